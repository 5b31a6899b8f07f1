import type { InboxNews } from '../../protocol/dashboard.js';

/**
 * How the domain tells a site's dashboards what happened in its conversations, without knowing
 * about sockets: a port the realtime layer implements over a room per site in socket.io's
 * `/dashboard` namespace, so the same adapter that carries a session's events to the node
 * holding its socket carries these to every node where a dashboard is open. Fire and forget: a
 * dashboard that misses news reads the state again (it refreshes its list on reconnect).
 */
export interface InboxFeed {
  publish(siteKey: string, news: InboxNews): void;
}

/** The feed when nobody listens (tests, a server without dashboards). */
export const unheardFeed: InboxFeed = { publish() {} };
