import type { Strings } from './strings.js';

/** The Hebrew UI strings, a chunk of their own (see strings.ts); the widget mirrors for them. */
export const he: Strings = {
  save: 'שמירה',
  fieldName: 'השם שלך',
  fieldEmail: 'האימייל שלך',
  fieldPhone: 'הטלפון שלך',
  options: 'אפשרויות השיחה',
  clearConversation: 'ניקוי השיחה',
  clearAndForget: 'ניקוי ושכחת הפרטים שלי',
  closeChat: 'סגירת הצ׳אט',
  message: 'הודעה',
  send: 'שליחה',
  placeholder: 'כתבו הודעה…',
  sending: 'נשלחת…',
  notSent: 'לא נשלחה',
  earlier: 'שיחה קודמת',
  newConversation: 'שיחה חדשה',
  empty: 'אפשר לשאול אותנו כל דבר — בדרך כלל נענה מיד.',
  takenOver: 'השיחה פתוחה בכרטיסייה אחרת שלקחה אותה. אפשר יהיה להמשיך כאן בעוד רגע.',
  offline: 'מתחבר מחדש…',
  you: 'את/ה',
  agent: 'נציג',
  typing: 'מקליד/ה…',
  limited: 'נשלח שוב בעוד רגע.',
  unread: 'תשובות חדשות: {count}',
  newTab: '(נפתח בכרטיסייה חדשה)',
};
