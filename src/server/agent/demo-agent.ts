import { CONTACT_FIELDS, type ContactDetails, type TaskStep } from '../../protocol/index.js';
import type { SiteContext } from '../site/site-search.js';
import { urlMatches } from '../tasks/page-url.js';
import type { Agent, AgentReply, TaskPlan } from './agent.js';

interface Topic {
  pattern: RegExp;
  answer: string;
  /** The crawled site answers this better when it can (a plan's own section). */
  fromSite?: boolean;
}

const PRICING_PATH = '/pricing.html';
const CONTACT_PATH = '/contact.html';

// Most specific first: the first matching topic answers.
const TOPICS: readonly Topic[] = [
  {
    pattern: /\bfree\b/,
    fromSite: true,
    answer: `The Free plan costs $0. Compare it with Pro and Business on ${PRICING_PATH}.`,
  },
  {
    pattern: /\bpro\b/,
    fromSite: true,
    answer: `The Pro plan costs $29/month. Compare the plans on ${PRICING_PATH}.`,
  },
  {
    pattern: /\bbusiness\b/,
    fromSite: true,
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
const GREETING_WORDS = new RegExp(GREETING.source, 'gi');

const WELCOME =
  'Hi! I am the LeFlux demo assistant. Ask me about pricing and plans, how to contact us, our hours, or what LeFlux is.';

const NOT_UNDERSTOOD =
  'Sorry, I did not understand that. I can answer questions about pricing and plans, how to contact us, our hours, or what LeFlux is.';

/** "show me pricing", "take me to the plans": a task, not an answer. */
const SHOW_PRICING =
  /\b(show|take|bring|walk|guide|open|go|navigate)\b.*\b(pric(e|es|ing)|plans?|tiers?)\b/;
/** "contact me", "call me back", "get in touch with me": the contact-form task. */
const CONTACT_ME =
  /\b(contact|call|e-?mail|phone|reach|ring)( me\b| us\b.*\bme\b)|\bin touch with me\b/;

const normalize = (text: string) => text.toLowerCase().replace(/\s+/g, ' ');

/** The answer the demo agent gives to `text`: a topic, a greeting, or a hint of what it knows. */
export function demoAnswer(text: string): string {
  const normalized = normalize(text);
  const topic = TOPICS.find((t) => t.pattern.test(normalized));
  const greeted = GREETING.test(normalized);
  if (topic) return greeted ? `Hi! ${topic.answer}` : topic.answer;
  return greeted ? WELCOME : NOT_UNDERSTOOD;
}

/** The best passage of the crawled site for `question`, naming its page; undefined when none. */
export function siteAnswer(question: string, site: SiteContext): string | undefined {
  const [best] = site.search(question, 1);
  if (!best) return undefined;
  return `${best.snippet.replace(/[.!?]+$/, '')} (from ${best.title}, ${best.url}).`;
}

const PRICING_TASK: TaskPlan = {
  label: 'Showing you our pricing',
  steps: [
    {
      type: 'navigate',
      url: PRICING_PATH,
      expectUrl: PRICING_PATH,
      label: 'Opening the pricing page',
    },
    { type: 'highlight', selector: '#plan-pro', label: 'Highlighting the Pro plan' },
    {
      type: 'say',
      text: 'Here are our plans. The highlighted Pro plan is $29/month: five sites, unlimited conversations and agent tasks. Free is $0, Business $99/month.',
    },
  ],
};

const QUESTIONS: Record<(typeof CONTACT_FIELDS)[number], string> = {
  name: 'What is your name?',
  email: 'Which email address should we use?',
  phone: 'And your phone number?',
};

/** Opens the contact form, asks for what the visitor has not told yet, fills the form in. */
function contactTask(known: ContactDetails): TaskPlan {
  const steps: TaskStep[] = [
    {
      type: 'navigate',
      url: CONTACT_PATH,
      expectUrl: CONTACT_PATH,
      label: 'Opening the contact form',
    },
  ];
  for (const field of CONTACT_FIELDS) {
    if (!known[field])
      steps.push({ type: 'ask', question: QUESTIONS[field], scope: 'contact', field });
  }
  for (const field of CONTACT_FIELDS) {
    steps.push({ type: 'fill', selector: `#${field}`, field, label: `Filling in your ${field}` });
  }
  steps.push({
    type: 'say',
    text: 'Done: the contact form is filled in. Check it and press Send when you are ready.',
  });
  return { label: 'Filling in the contact form', steps };
}

/** A task that starts on the page the visitor is already on skips its opening navigation. */
function fromHere(plan: TaskPlan, pageUrl: string): TaskPlan {
  const [first, ...rest] = plan.steps;
  return first?.type === 'navigate' && pageUrl !== '' && urlMatches(first.url, pageUrl)
    ? { ...plan, steps: rest }
    : plan;
}

/**
 * A rule-based agent for the demo site (a product called LeFlux). Answers at once:
 * "show me pricing" and "contact me" start tasks; questions about a plan, and questions no
 * topic covers, are answered from the crawled site, naming the page; the rest from topics.
 *
 * @example
 * createLeFluxServer(config, { agent: createDemoAgent() });
 */
export function createDemoAgent(): Agent {
  return {
    // `context.data` is read only when needed: it is built on first use.
    async reply(context): Promise<AgentReply> {
      const { message, page, site } = context;
      const text = normalize(message.text);
      const hi = GREETING.test(text) ? 'Hi! ' : '';
      if (SHOW_PRICING.test(text)) {
        return {
          text: `${hi}Sure, let me show you our plans.`,
          task: fromHere(PRICING_TASK, page.url),
        };
      }
      if (CONTACT_ME.test(text)) {
        const task = fromHere(contactTask(await context.data.visitor.get()), page.url);
        return { text: `${hi}Sure, let me fill in the contact form for you.`, task };
      }
      const topic = TOPICS.find((t) => t.pattern.test(text));
      if (!topic || topic.fromSite) {
        // "Hello" alone is a greeting, not a search for the page that says "say hello".
        const answer = siteAnswer(message.text.replace(GREETING_WORDS, ' '), site);
        if (answer) return { text: `${hi}${answer}` };
      }
      return { text: demoAnswer(message.text) };
    },
  };
}
