/**
 * Rolling restart: two LeFlux nodes (the built CLI, `dist/server/cli.js serve`, real child
 * processes) on one Redis and one PostgreSQL, behind a round-robin TCP proxy with no sticky
 * sessions; N test clients connected through it, each sending messages the way the widget does
 * (an outbox resent after every reconnect until acked; `session_init` with the session on every
 * connect). Node 1 gets SIGTERM, is started again once it exited, then node 2. Afterwards every
 * client's history is read back: sessions kept (never refused, never replaced) and messages lost
 * (sent but not in the history) or doubled.
 */
import { io, type Socket } from 'socket.io-client';
import { type CliProcess, startCliProcess } from '../src/server/testing/cli-process.js';
import { freeLoopbackPort } from '../src/server/testing/loopback-port.js';
import { startRoundRobinProxy } from '../src/server/testing/round-robin-proxy.js';
import { sleep } from './stats.js';

export interface RollingOptions {
  clients: number;
  /** Each client sends one message every this many ms on average (jittered). */
  sendEveryMs: number;
  /** Traffic before the first restart, and between and after the restarts. */
  steadyMs: number;
}

export const ROLLING_DEFAULTS: RollingOptions = {
  clients: 1000,
  sendEveryMs: 4000,
  steadyMs: 4000,
};

export interface RollingResult {
  clients: number;
  /** Clients whose session was the same, and resumed, from first to last. */
  sessionsKept: number;
  messagesSent: number;
  /** Sent (acked or not) but missing from the session's history at the end. */
  messagesLost: number;
  /** Ids found more than once in a history. */
  messagesDoubled: number;
  /** Reconnections the clients went through. */
  reconnects: number;
  /** SIGTERM -> exit of each node, ms. */
  drainMs: number[];
  /** Clients' messages still unacked when the run stopped waiting (should be 0). */
  unacked: number;
}

/** A node of the built CLI; its warnings go to the bench's stderr as they come. */
const startNode = (port: number, env: Record<string, string>) =>
  startCliProcess({
    port,
    env,
    entry: 'built',
    onStderr: (chunk) => process.stderr.write(`[node ${port}] ${chunk}`),
  });

/** One visitor: a socket with socket.io's reconnection, an outbox, its session. */
class Visitor {
  readonly socket: Socket;
  session?: { sessionId: string; token: string };
  kept = true;
  reconnects = 0;
  /** Sent and not acked yet, by id. */
  readonly outbox = new Map<string, string>();
  readonly sent: string[] = [];
  bound = false;
  private n = 0;

  constructor(
    url: string,
    private readonly name: string,
  ) {
    this.socket = io(url, {
      auth: { siteKey: 'bench' },
      transports: ['websocket'],
      forceNew: true,
      reconnectionDelay: 300,
      reconnectionDelayMax: 5000,
      timeout: 20_000,
    });
    this.socket.on('connect', () => void this.bind());
    this.socket.on('disconnect', () => {
      this.bound = false;
      this.reconnects++;
    });
  }

  private async bind(): Promise<void> {
    const answer = (await this.socket
      .timeout(10_000)
      .emitWithAck('session_init', {
        siteKey: 'bench',
        url: 'http://127.0.0.1/bench',
        title: 'bench',
        ...(this.session ?? {}),
      })
      .catch(() => undefined)) as
      | { ok: true; sessionId: string; token: string; resumed: boolean }
      | { ok: false }
      | undefined;
    if (!answer) return;
    if (
      !answer.ok ||
      (this.session && (!answer.resumed || answer.sessionId !== this.session.sessionId))
    ) {
      this.kept = false;
    }
    if (!answer.ok) return;
    this.session = { sessionId: answer.sessionId, token: answer.token };
    this.bound = true;
    for (const [id, text] of this.outbox) void this.deliver(id, text);
  }

  /** Sends (or resends) one message; it leaves the outbox once acked. */
  private async deliver(id: string, text: string): Promise<void> {
    const answer = (await this.socket
      .timeout(10_000)
      .emitWithAck('visitor_message', {
        id,
        text,
        url: 'http://127.0.0.1/bench',
        sentAt: Date.now(),
      })
      .catch(() => undefined)) as { ok: boolean } | undefined;
    if (answer?.ok) this.outbox.delete(id);
  }

  send(): void {
    const id = `${this.name}-${this.n++}`;
    const text = `message ${id}`;
    this.outbox.set(id, text);
    this.sent.push(id);
    if (this.bound) void this.deliver(id, text);
  }

  /** Resends what is still unacked (a resend the server stored already is acked as such). */
  retry(): void {
    if (this.bound) for (const [id, text] of this.outbox) void this.deliver(id, text);
  }
}

export async function measureRollingRestart(
  backing: { redisUrl: string; databaseUrl: () => Promise<string> },
  options = ROLLING_DEFAULTS,
): Promise<RollingResult> {
  const ports = [await freeLoopbackPort(), await freeLoopbackPort()];
  const env = {
    LEFLUX_STORE: 'redis',
    REDIS_URL: backing.redisUrl,
    LEFLUX_REDIS_PREFIX: 'bench-rolling:',
    DATABASE_URL: await backing.databaseUrl(),
    // Every visitor comes from this one address, as fast as it can: no limits.
    LEFLUX_LIMIT_SESSION_STARTS: 'off',
    LEFLUX_LIMIT_MESSAGES: 'off',
    LEFLUX_LIMIT_RESTORES: 'off',
    LEFLUX_LIMIT_MISSES: 'off',
  };
  const nodes = await Promise.all(ports.map((port) => startNode(port, env)));
  const proxy = await startRoundRobinProxy({ ports });
  const visitors: Visitor[] = [];
  let sending = true;
  const timers: NodeJS.Timeout[] = [];
  try {
    for (let i = 0; i < options.clients; i++) visitors.push(new Visitor(proxy.url, `c${i}`));
    // Everyone connected and holding a session first.
    const until = Date.now() + 60_000;
    while (visitors.some((v) => !v.bound) && Date.now() < until) await sleep(50);
    if (visitors.some((v) => !v.bound)) throw new Error('not every client got a session');
    for (const v of visitors) v.reconnects = 0;
    for (const visitor of visitors) {
      const tick = () => {
        if (!sending) return;
        visitor.send();
        timers.push(setTimeout(tick, options.sendEveryMs * (0.5 + Math.random())));
      };
      timers.push(setTimeout(tick, Math.random() * options.sendEveryMs));
    }
    await sleep(options.steadyMs);
    const drainMs: number[] = [];
    for (const [i, port] of ports.entries()) {
      const node = nodes[i] as CliProcess;
      const t0 = performance.now();
      const { code } = await node.stop('SIGTERM');
      drainMs.push(performance.now() - t0);
      if (code !== 0) throw new Error(`node ${i + 1} exited with ${code} on SIGTERM`);
      nodes[i] = await startNode(port, env);
      await sleep(options.steadyMs);
    }
    sending = false;
    // Let the outboxes drain, resending what a reconnect left unacked, as the widget does.
    const settleUntil = Date.now() + 30_000;
    while (visitors.some((v) => v.outbox.size > 0) && Date.now() < settleUntil) {
      for (const v of visitors) v.retry();
      await sleep(500);
    }
    const unacked = visitors.reduce((n, v) => n + v.outbox.size, 0);
    // Read every session back, through the proxy (either node).
    let lost = 0;
    let doubled = 0;
    for (const v of visitors) {
      if (!v.session) {
        lost += v.sent.length;
        continue;
      }
      const res = await fetch(`${proxy.url}/api/session/${v.session.sessionId}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ token: v.session.token }),
      });
      if (!res.ok) {
        v.kept = false;
        lost += v.sent.length;
        continue;
      }
      const { history } = (await res.json()) as { history: Array<{ id: string }> };
      const ids = history.map((m) => m.id);
      const seen = new Set(ids);
      doubled += ids.length - seen.size;
      lost += v.sent.filter((id) => !seen.has(id)).length;
    }
    return {
      clients: visitors.length,
      sessionsKept: visitors.filter((v) => v.kept).length,
      messagesSent: visitors.reduce((n, v) => n + v.sent.length, 0),
      messagesLost: lost,
      messagesDoubled: doubled,
      reconnects: visitors.reduce((n, v) => n + v.reconnects, 0),
      drainMs,
      unacked,
    };
  } finally {
    sending = false;
    for (const timer of timers) clearTimeout(timer);
    for (const v of visitors) v.socket.disconnect();
    await proxy.close();
    await Promise.all(nodes.map((node) => node.stop('SIGKILL')));
  }
}
