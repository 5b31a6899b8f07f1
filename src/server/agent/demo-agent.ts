import type { Agent } from './agent.js';

interface Topic {
  pattern: RegExp;
  answer: string;
}

const PRICING_PATH = '/pricing.html';
const CONTACT_PATH = '/contact.html';

// Most specific first: the first matching topic answers.
const TOPICS: readonly Topic[] = [
  {
    pattern: /\bfree\b/,
    answer: `The Free plan costs $0. Compare it with Pro and Business on ${PRICING_PATH}.`,
  },
  {
    pattern: /\bpro\b/,
    answer: `The Pro plan costs $29/month. Compare the plans on ${PRICING_PATH}.`,
  },
  {
    pattern: /\bbusiness\b/,
    answer: `The Business plan costs $99/month. Compare the plans on ${PRICING_PATH}.`,
  },
  {
    pattern: /\b(pric(e|es|ing)|plans?|cost|costs|how much|tiers?|subscription|pay)\b/,
    answer: `LeFlux has three plans: Free ($0), Pro ($29/month) and Business ($99/month). Compare them on ${PRICING_PATH}.`,
  },
  {
    pattern: /\b(contact|e-?mail|phone|call|reach|sales|support|human|person)\b/,
    answer: `You can reach our team through the contact form on ${CONTACT_PATH}: leave your name, email and phone and we will get back to you.`,
  },
  {
    pattern: /\b(hours?|opening|open (today|now|on|at)|when are you open|available)\b/,
    answer:
      'Our team answers Monday to Friday, 9:00 to 18:00 (CET). I am here around the clock for quick questions.',
  },
  {
    pattern:
      /\b(what is (this|leflux|it)|what's (this|leflux)|what does (it|leflux) do|about leflux|who are you)\b/,
    answer:
      'LeFlux is a chat widget for websites whose conversation survives reloads, page changes, closed tabs and network blips. You are using it right now.',
  },
];

const GREETING = /\b(hi|hello|hey|hallo|good (morning|afternoon|evening))\b/;

const WELCOME =
  'Hi! I am the LeFlux demo assistant. Ask me about pricing and plans, how to contact us, our hours, or what LeFlux is.';

const NOT_UNDERSTOOD =
  'Sorry, I did not understand that. I can answer questions about pricing and plans, how to contact us, our hours, or what LeFlux is.';

/** The answer the demo agent gives to `text`: a topic, a greeting, or a hint of what it knows. */
export function demoAnswer(text: string): string {
  const normalized = text.toLowerCase().replace(/\s+/g, ' ');
  const topic = TOPICS.find((t) => t.pattern.test(normalized));
  const greeted = GREETING.test(normalized);
  if (topic) return greeted ? `Hi! ${topic.answer}` : topic.answer;
  return greeted ? WELCOME : NOT_UNDERSTOOD;
}

/**
 * A rule-based agent for the demo site (a product called LeFlux). Answers at once.
 *
 * @example
 * createLeFluxServer(config, { agent: createDemoAgent() });
 */
export function createDemoAgent(): Agent {
  return {
    async reply({ message }) {
      return { text: demoAnswer(message.text) };
    },
  };
}
