import type { Strings } from './strings.js';

/** The German UI strings, a chunk of their own (see strings.ts). */
export const de: Strings = {
  save: 'Speichern',
  fieldName: 'Ihr Name',
  fieldEmail: 'Ihre E-Mail',
  fieldPhone: 'Ihre Telefonnummer',
  options: 'Optionen der Unterhaltung',
  clearConversation: 'Unterhaltung löschen',
  clearAndForget: 'Löschen und meine Daten vergessen',
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
  typing: 'Schreibt…',
  limited: 'Gleich ein neuer Versuch.',
  unread: 'Neue Antworten: {count}',
  newTab: '(öffnet in einem neuen Tab)',
};
