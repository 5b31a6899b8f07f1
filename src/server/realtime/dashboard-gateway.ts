import type { Namespace } from 'socket.io';
import type { DashboardClientEvents, DashboardServerEvents } from '../../protocol/dashboard.js';
import { isSiteKey } from '../../protocol/index.js';
import type { InboxFeed } from '../conversation/inbox-feed.js';
import type { Logger } from '../logger.js';
import {
  OPERATOR_COOKIE,
  type OperatorAuth,
  readCookie,
  sameOrigin,
} from '../sessions/operator-auth.js';
import type { LeFluxIo } from './gateway.js';

/** The namespace dashboards connect to (the widget's is `/`). */
export const DASHBOARD_NAMESPACE = '/dashboard';

type DashboardNamespace = Namespace<DashboardClientEvents, DashboardServerEvents>;

const siteRoom = (siteKey: string) => `site:${siteKey}`;

/** The dashboards' namespace on the server the widget's sockets use. */
function namespaceOf(io: LeFluxIo): DashboardNamespace {
  // One server, two namespaces: the widget's event map types `io`, the dashboard's this one.
  return io.of(DASHBOARD_NAMESPACE) as unknown as DashboardNamespace;
}

/**
 * The `InboxFeed` over socket.io: news go to the room of their site in the `/dashboard`
 * namespace, through the server (an adapter carries them to dashboards on every node).
 *
 * @example const feed = createSocketInboxFeed(io);
 */
export function createSocketInboxFeed(io: LeFluxIo): InboxFeed {
  const dashboards = namespaceOf(io);
  return {
    publish(siteKey, news) {
      dashboards.to(siteRoom(siteKey)).emit('news', news);
    },
  };
}

export interface DashboardGatewayOptions {
  io: LeFluxIo;
  auth: OperatorAuth;
  logger: Logger;
}

/**
 * Admits dashboards to the `/dashboard` namespace: a page of this origin (the WebSocket
 * handshake's `Origin`, checked like the API's: cookies alone do not stop a page of a sibling
 * subdomain), signed in (the HttpOnly cookie comes with the handshake), asking for a site its key
 * opens (`auth: { siteKey }`). It then hears that site's news; it sends nothing.
 */
export function attachDashboardGateway({ io, auth, logger }: DashboardGatewayOptions): void {
  const dashboards = namespaceOf(io);
  dashboards.use((socket, next) => {
    const { headers } = socket.handshake;
    const siteKey = (socket.handshake.auth as { siteKey?: unknown } | undefined)?.siteKey;
    const grant = auth.verify(readCookie(headers.cookie, OPERATOR_COOKIE));
    const refused = !sameOrigin(headers)
      ? 'cross-origin dashboards are refused'
      : !grant
        ? 'sign in first'
        : !isSiteKey(siteKey)
          ? 'auth.siteKey must name a site'
          : grant.scope !== 'all' && !grant.sites.includes(siteKey)
            ? 'this key does not open that site'
            : undefined;
    if (refused !== undefined) return next(new Error(refused));
    socket.join(siteRoom(siteKey as string));
    next();
  });
  dashboards.on('connection', (socket) => {
    socket.on('error', (error) => logger.warn('dashboard socket error', error));
  });
}
