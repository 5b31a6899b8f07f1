import { io as connect, type Socket } from 'socket.io-client';
import type {
  ClientToServerEvents,
  Failure,
  ServerToClientEvents,
  SessionInitOk,
  SessionInitPayload,
} from '../../protocol/index.js';

/** A widget's socket as the server tests drive it: typed with the shared event maps. */
export type TestSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/**
 * Opens a websocket to a test server for `siteKey` (default `acme`, the handshake's
 * `auth.siteKey`), without socket.io's own reconnection, and resolves once connected. `origin`
 * is sent on the handshake the way a browser sends its page's Origin. The socket is added to
 * `opened`, for the test's cleanup to disconnect.
 *
 * @example const socket = await openTestSocket(server.url, sockets, { origin: 'https://shop.example' });
 */
export async function openTestSocket(
  url: string,
  opened: TestSocket[],
  {
    origin,
    setup,
    siteKey = 'acme',
  }: { origin?: string; setup?: (socket: TestSocket) => void; siteKey?: string } = {},
): Promise<TestSocket> {
  const socket: TestSocket = connect(url, {
    transports: ['websocket'],
    forceNew: true,
    reconnection: false,
    auth: { siteKey },
    ...(origin ? { extraHeaders: { origin } } : {}),
  });
  opened.push(socket);
  // Listeners that must see the first events go on before the connection opens.
  setup?.(socket);
  await new Promise<void>((done, fail) => {
    socket.once('connect', done);
    socket.once('connect_error', fail);
  });
  return socket;
}

/**
 * Sends `session_init` with a test page's defaults (site `acme`); `payload` overrides them.
 *
 * @example const ack = await initSession(socket, { sessionId, token });
 */
export function initSession(
  socket: TestSocket,
  payload: Partial<SessionInitPayload> = {},
): Promise<SessionInitOk | Failure> {
  return socket.timeout(2000).emitWithAck('session_init', {
    siteKey: 'acme',
    url: 'https://acme.test/',
    title: 'Acme',
    ...payload,
  });
}
