import type { Strings } from './strings.js';

/** The Arabic UI strings, a chunk of their own (see strings.ts); the widget mirrors for them. */
export const ar: Strings = {
  save: 'حفظ',
  fieldName: 'اسمك',
  fieldEmail: 'بريدك الإلكتروني',
  fieldPhone: 'رقم هاتفك',
  options: 'خيارات المحادثة',
  clearConversation: 'مسح المحادثة',
  clearAndForget: 'مسح المحادثة ونسيان بياناتي',
  closeChat: 'إغلاق المحادثة',
  message: 'رسالة',
  send: 'إرسال',
  placeholder: 'اكتب رسالة…',
  sending: 'جارٍ الإرسال…',
  notSent: 'لم تُرسل',
  earlier: 'محادثة سابقة',
  newConversation: 'محادثة جديدة',
  empty: 'اسألنا عن أي شيء — نجيب عادةً على الفور.',
  takenOver: 'هذه المحادثة مفتوحة في تبويب آخر تولّاها. يمكنك المتابعة هنا بعد لحظة.',
  offline: 'جارٍ إعادة الاتصال…',
  you: 'أنت',
  agent: 'الوكيل',
  typing: 'يكتب…',
  limited: 'سنعيد الإرسال بعد لحظة.',
  unread: 'ردود جديدة: {count}',
  newTab: '(يفتح في تبويب جديد)',
};
