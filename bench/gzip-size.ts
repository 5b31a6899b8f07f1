import { gzipSync } from 'node:zlib';

/** Gzip size (level 9) of `bytes`: how `npm run size` and `npm run bench` count bundle bytes. */
export const gzipSize = (bytes: Uint8Array): number => gzipSync(bytes, { level: 9 }).length;
