import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import type { ChatMessage, SessionIdentity } from '../../protocol/index.js';
import { consoleLogger, type Logger } from '../logger.js';
import type { Agent, AgentContext, AgentReply } from './agent.js';
import { checkReply } from './reply.js';

/** What the webhook receives for each visitor message (contract: Agent, webhook agent). */
export interface WebhookRequest {
  type: 'visitor_message';
  siteKey: string;
  sessionId: string;
  /** The anonymous per-browser id, or null when the site turned it off. */
  visitorId: string | null;
  /**
   * Who the site says the visitor is (`identify({ userId, userHash })`), or null when it said
   * nothing. Trust `userId` only when `verified`.
   */
  identity: SessionIdentity | null;
  message: { id: string; text: string; url: string; sentAt: number };
  page: { url: string; title: string };
  /** The session's last 50 messages, oldest first, this one included. */
  history: ChatMessage[];
}

export interface WebhookAgentOptions {
  /** `LEFLUX_AGENT_URL`. */
  url: string;
  /** `LEFLUX_AGENT_SECRET`: the HMAC-SHA256 key of `X-LeFlux-Signature`. */
  secret: string;
  /**
   * `LEFLUX_AGENT_TIMEOUT_MS`, the whole answer's budget: each attempt gets an equal share of
   * what the backoff leaves, so the retries fit in it. Default 15 s.
   */
  timeoutMs?: number;
  /** Retries after a timeout, a connection error or a 5xx. Default 2. */
  retries?: number;
  /** Wait before each retry. Default 300 ms, then 900 ms. */
  backoffMs?: readonly number[];
  /** Default: the global `fetch`. */
  fetch?: typeof fetch;
  /** Where failed attempts are reported. Default: the console. */
  logger?: Logger;
}

/** Largest answer body read from the webhook: a text and a task of 50 steps fit many times. */
const MAX_ANSWER_BYTES = 256 * 1024;

/** A failure worth another attempt: a timeout, a connection error or a 5xx. */
class RetryableError extends Error {
  override readonly name = 'RetryableError';
}

/** The webhook answered something that is not an answer. */
export class WebhookAnswerError extends Error {
  override readonly name = 'WebhookAnswerError';
}

/** `sha256=<hex HMAC-SHA256 of body keyed by secret>`, as sent in `X-LeFlux-Signature`. */
export function webhookSignature(body: string | Buffer, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/**
 * Whether `signature` (the `X-LeFlux-Signature` header) signs `rawBody` with `secret`, compared
 * in constant time. For receivers written in Node; check the raw bytes, before parsing them.
 *
 * @example
 * if (!verifyWebhookSignature(rawBody, req.headers['x-leflux-signature'], secret)) return res.writeHead(401).end();
 */
export function verifyWebhookSignature(
  rawBody: string | Buffer,
  signature: string | undefined,
  secret: string,
): boolean {
  if (signature === undefined) return false;
  const expected = Buffer.from(webhookSignature(rawBody, secret));
  const presented = Buffer.from(signature);
  return expected.length === presented.length && timingSafeEqual(expected, presented);
}

/** The request body for one visitor message: no session token, no key. */
function requestOf(context: AgentContext): WebhookRequest {
  const { session, message, page, history } = context;
  return {
    type: 'visitor_message',
    siteKey: session.siteKey,
    sessionId: session.id,
    visitorId: session.visitorId ?? null,
    identity: session.identity ?? null,
    message: { id: message.id, text: message.text, url: page.url, sentAt: message.at },
    page,
    history,
  };
}

/** A pause that ends early (rejecting) when `signal` aborts. */
function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((done, fail) => {
    if (signal.aborted) return fail(signal.reason);
    const stop = () => {
      clearTimeout(timer);
      fail(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', stop);
      done();
    }, ms);
    signal.addEventListener('abort', stop, { once: true });
  });
}

/** Reads the answer of a 200: `{ text?, task?, typing? }`, checked. */
async function answerOf(res: Response): Promise<{ reply?: AgentReply; typing: boolean }> {
  const declared = Number(res.headers.get('content-length') ?? 0);
  const raw = declared > MAX_ANSWER_BYTES ? undefined : await res.text();
  if (raw === undefined || Buffer.byteLength(raw) > MAX_ANSWER_BYTES) {
    throw new WebhookAnswerError(`the answer is over ${MAX_ANSWER_BYTES} bytes`);
  }
  let body: unknown;
  try {
    body = raw.trim() === '' ? {} : JSON.parse(raw);
  } catch (error) {
    throw new WebhookAnswerError('the answer (200) is not JSON; answer 204 to say nothing', {
      cause: error,
    });
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new WebhookAnswerError('the answer must be a JSON object { text?, task?, typing? }');
  }
  const { typing, ...rest } = body as Record<string, unknown>;
  if (typing !== undefined && typeof typing !== 'boolean') {
    throw new WebhookAnswerError('typing must be true or false');
  }
  const checked = checkReply(rest);
  if (!checked.ok) throw new WebhookAnswerError(checked.message);
  return { reply: checked.reply, typing: typing === true };
}

/**
 * The agent for any language: each visitor message is POSTed to `url` as JSON (`WebhookRequest`),
 * signed with `X-LeFlux-Signature` and named by `X-LeFlux-Delivery` (the same on each retry of
 * one message, so the receiver can drop duplicates). No session token or key is ever sent.
 * `200 { text?, task?, typing? }` is posted (`typing: true` shows the indicator while the
 * answer comes later); `204` says nothing now (an answer may come through the REST API). A
 * timeout, a connection error or a 5xx is retried (twice by default) with backoff; then the
 * answer fails, and the visitor gets the system message.
 *
 * @example
 * const agent = createWebhookAgent({ url: 'https://bot.example/leflux', secret: process.env.LEFLUX_AGENT_SECRET });
 */
export function createWebhookAgent(options: WebhookAgentOptions): Agent {
  const {
    url,
    secret,
    timeoutMs = 15_000,
    retries = 2,
    backoffMs = [300, 900],
    logger = consoleLogger,
  } = options;
  const send = options.fetch ?? fetch;
  const backoff = (attempt: number) => backoffMs[Math.min(attempt, backoffMs.length - 1)] ?? 0;
  let waits = 0;
  for (let i = 0; i < retries; i++) waits += backoff(i);
  const attemptMs = Math.max(100, Math.floor((timeoutMs - waits) / (retries + 1)));

  /** One POST; resolves with the answer, throws `RetryableError` for what a retry may fix. */
  async function attempt(body: string, headers: Record<string, string>, signal: AbortSignal) {
    const stop = new AbortController();
    const abort = () => stop.abort(signal.reason);
    signal.addEventListener('abort', abort, { once: true });
    const timer = setTimeout(
      () => stop.abort(new RetryableError(`no answer within ${attemptMs} ms`)),
      attemptMs,
    );
    try {
      let res: Response;
      try {
        res = await send(url, {
          method: 'POST',
          headers,
          body,
          signal: stop.signal,
          redirect: 'error',
        });
      } catch (error) {
        if (signal.aborted) throw signal.reason;
        throw stop.signal.reason instanceof RetryableError
          ? stop.signal.reason
          : new RetryableError(`could not reach the webhook: ${String(error)}`, { cause: error });
      }
      if (res.status === 204) {
        await res.body?.cancel();
        return { typing: false };
      }
      if (res.status === 200) return await answerOf(res);
      await res.body?.cancel();
      const problem = `the webhook answered ${res.status}`;
      if (res.status >= 500) throw new RetryableError(problem);
      throw new WebhookAnswerError(`${problem}; expected 200 or 204`);
    } finally {
      clearTimeout(timer);
      signal.removeEventListener('abort', abort);
    }
  }

  return {
    async reply(context) {
      const body = JSON.stringify(requestOf(context));
      const headers = {
        'content-type': 'application/json; charset=utf-8',
        'user-agent': 'LeFlux-Webhook',
        'x-leflux-signature': webhookSignature(body, secret),
        'x-leflux-delivery': randomUUID(),
      };
      for (let tries = 0; ; tries++) {
        try {
          const { reply, typing } = await attempt(body, headers, context.signal);
          if (typing) context.typing();
          return reply ?? null;
        } catch (error) {
          if (!(error instanceof RetryableError) || tries >= retries) throw error;
          logger.warn(
            `webhook agent: ${error.message}; retry ${tries + 1} of ${retries} (session ${context.session.id})`,
          );
          await pause(backoff(tries), context.signal);
        }
      }
    },
  };
}
