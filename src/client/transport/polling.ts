import { transports, XHR } from 'engine.io-client';

/**
 * HTTP long-polling, for the networks that block WebSockets (some proxies and firewalls). The
 * widget's build leaves it out of the socket's code (see `withoutWebTransport` in vite.config.ts);
 * this chunk, loaded after a connection attempt failed, puts it back in engine.io-client's table
 * of transports, which the socket's next attempt reads. Without that build step the table already
 * holds it, and this changes nothing.
 */
export function enablePolling(): void {
  (transports as Record<string, unknown>).polling = XHR;
}
