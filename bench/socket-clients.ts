/** socket.io-client connections for the load generator: websocket only, no reconnection. */
import { io, type Socket } from 'socket.io-client';

/**
 * Opens `count` sockets to `url` for `siteKey` (the handshake's `auth`, as the widget sends it),
 * at most `concurrency` handshakes at a time.
 */
export async function connectSockets(
  url: string,
  count: number,
  concurrency = 100,
  siteKey = 'bench',
): Promise<Socket[]> {
  const sockets: Socket[] = [];
  let next = 0;
  async function worker() {
    while (next < count) {
      next++;
      const socket = io(url, {
        auth: { siteKey },
        transports: ['websocket'],
        forceNew: true,
        reconnection: false,
        timeout: 20_000,
      });
      sockets.push(socket);
      await new Promise<void>((done, fail) => {
        socket.once('connect', () => done());
        socket.once('connect_error', (error) => fail(error));
      });
    }
  }
  try {
    await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  } catch (error) {
    closeSockets(sockets);
    throw error;
  }
  return sockets;
}

export function closeSockets(sockets: readonly Socket[]): void {
  for (const socket of sockets) socket.disconnect();
}

/** The visitor's `session_init` for a new session, as the widget sends it. */
export async function initSession(socket: Socket, siteKey: string): Promise<void> {
  const reply = (await socket.timeout(20_000).emitWithAck('session_init', {
    siteKey,
    url: 'http://127.0.0.1/bench',
    title: 'bench',
  })) as { ok: boolean; error?: { message: string } };
  if (!reply.ok) throw new Error(`session_init refused: ${reply.error?.message}`);
}
