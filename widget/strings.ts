/**
 * Every UI string, per language. Add a language by adding a table with the same keys.
 * The accessible names in CONTRACT.md (`Open chat`, `Send`, …) are the `en` ones.
 */
const en = {
  save: 'Save',
  fieldName: 'Your name',
  fieldEmail: 'Your email',
  fieldPhone: 'Your phone',
  options: 'Conversation options',
  clearConversation: 'Clear conversation',
  clearAndForget: 'Clear and forget my details',
  openChat: 'Open chat',
  closeChat: 'Close chat',
  message: 'Message',
  send: 'Send',
  placeholder: 'Type a message…',
  sending: 'Sending…',
  notSent: 'Not sent',
  earlier: 'Earlier conversation',
  newConversation: 'New conversation',
  empty: 'Ask us anything — we usually answer right away.',
  takenOver:
    'This conversation is open elsewhere: another tab took over. You can continue here in a moment.',
  offline: 'Reconnecting…',
  you: 'You',
  agent: 'Agent',
};

export type Strings = typeof en;

const fr: Strings = {
  save: 'Enregistrer',
  fieldName: 'Votre nom',
  fieldEmail: 'Votre e-mail',
  fieldPhone: 'Votre téléphone',
  options: 'Options de la conversation',
  clearConversation: 'Effacer la conversation',
  clearAndForget: 'Effacer et oublier mes coordonnées',
  openChat: 'Ouvrir le chat',
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
};

const de: Strings = {
  save: 'Speichern',
  fieldName: 'Ihr Name',
  fieldEmail: 'Ihre E-Mail',
  fieldPhone: 'Ihre Telefonnummer',
  options: 'Optionen der Unterhaltung',
  clearConversation: 'Unterhaltung löschen',
  clearAndForget: 'Löschen und meine Daten vergessen',
  openChat: 'Chat öffnen',
  closeChat: 'Chat schließen',
  message: 'Nachricht',
  send: 'Senden',
  placeholder: 'Nachricht schreiben…',
  sending: 'Wird gesendet…',
  notSent: 'Nicht gesendet',
  earlier: 'Frühere Unterhaltung',
  newConversation: 'Neue Unterhaltung',
  empty: 'Fragen Sie uns — wir antworten sofort.',
  takenOver:
    'Ein anderer Tab hat diese Unterhaltung übernommen. Gleich können Sie hier weiterschreiben.',
  offline: 'Verbinde neu…',
  you: 'Sie',
  agent: 'Agent',
};

export const STRINGS = { en, fr, de } as const;
export type Lang = keyof typeof STRINGS;

export const isLang = (value: string): value is Lang => Object.hasOwn(STRINGS, value);
