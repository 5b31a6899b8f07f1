import type { Redis } from 'ioredis';
import { loadOptional } from '../optional-dependency.js';
import type { LeFluxIo } from './gateway.js';

export interface RedisAdapterOptions {
  /** Publishes (it may be the session store's connection: publishing needs no connection of its own). */
  publisher: Redis;
  /** Subscribes; a connection of its own (a subscribed connection can do nothing else). */
  subscriber: Redis;
  /** Prefix of the pub/sub channels (`<prefix>socket.io#/#...`), like the store's keys. */
  keyPrefix: string;
}

/**
 * Puts socket.io on Redis pub/sub (`@socket.io/redis-adapter`), so that what the
 * `SessionChannel` addresses to a room or a socket id (`io.to`, `io.in(...).socketsLeave`,
 * `disconnectSockets`) reaches a socket on any node. Resolves once this node's subscriptions are
 * in place: a PING on the subscriber answers after the SUBSCRIBE commands sent before it, so no
 * broadcast published from then on is missed.
 *
 * Why this adapter and not `@socket.io/redis-streams-adapter`: LeFlux delivers events
 * fire-and-forget and recovers what a tab missed from the session's history by sequence number
 * (never socket.io's connection state recovery, which is what the streams adapter adds); plain
 * pub/sub adds no Redis memory per packet and no polling delay.
 *
 * @example await useRedisAdapter(io, { publisher: client, subscriber: client.duplicate(), keyPrefix: 'leflux:' });
 */
export async function useRedisAdapter(io: LeFluxIo, options: RedisAdapterOptions): Promise<void> {
  const { publisher, subscriber, keyPrefix } = options;
  const { createAdapter } = loadOptional<typeof import('@socket.io/redis-adapter')>({
    name: '@socket.io/redis-adapter',
    feature: 'socket.io on Redis (LEFLUX_STORE=redis)',
    otherwise: 'or set LEFLUX_STORE=memory (one node)',
  });
  io.adapter(createAdapter(publisher, subscriber, { key: `${keyPrefix}socket.io` }));
  await subscriber.ping();
}
