import type { Strings } from './strings.js';

/** The French UI strings, a chunk of their own (see strings.ts). */
export const fr: Strings = {
  save: 'Enregistrer',
  fieldName: 'Votre nom',
  fieldEmail: 'Votre e-mail',
  fieldPhone: 'Votre téléphone',
  options: 'Options de la conversation',
  clearConversation: 'Effacer la conversation',
  clearAndForget: 'Effacer et oublier mes coordonnées',
  closeChat: 'Fermer le chat',
  message: 'Message',
  send: 'Envoyer',
  placeholder: 'Écrivez un message…',
  sending: 'Envoi…',
  notSent: 'Non envoyé',
  earlier: 'Conversation précédente',
  newConversation: 'Nouvelle conversation',
  empty: 'Posez-nous vos questions — nous répondons tout de suite.',
  takenOver:
    'Un autre onglet a repris cette conversation. Vous pourrez continuer ici dans un instant.',
  offline: 'Reconnexion…',
  you: 'Vous',
  agent: 'Agent',
  typing: 'En train d’écrire…',
  limited: 'Nouvel essai sous peu.',
  unread: 'Nouvelles réponses : {count}',
  newTab: '(s’ouvre dans un nouvel onglet)',
};
