import type { IncomingMessage } from 'node:http';
import { HttpError } from './http-error.js';

/** True when the request announces a body (a length above zero, or chunked). */
export function hasBody(req: IncomingMessage): boolean {
  const length = Number(req.headers['content-length'] ?? 0);
  return length > 0 || req.headers['transfer-encoding'] !== undefined;
}

/**
 * Reads and parses a JSON body of at most `maxBytes`. Any content type is accepted so
 * `navigator.sendBeacon` (text/plain) works; the JSON itself is validated by the caller.
 *
 * @throws {HttpError} 413 `body_too_large`, 400 `invalid_json`.
 */
export async function readJsonBody(req: IncomingMessage, maxBytes: number): Promise<unknown> {
  // Inside an app whose body parser ran first (Express's `express.json()`), the stream is read
  // and the body is on `req.body`.
  const parsed = (req as IncomingMessage & { body?: unknown }).body;
  if (parsed !== undefined && req.readableEnded) {
    return typeof parsed === 'string' ? parseJson(parsed) : parsed;
  }
  const tooLarge = () =>
    new HttpError(413, 'body_too_large', `the body must be at most ${maxBytes} bytes`, {
      // The rest of the body is not read; the connection cannot be reused.
      connection: 'close',
    });
  if (Number(req.headers['content-length'] ?? 0) > maxBytes) {
    req.resume();
    throw tooLarge();
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) {
      req.resume();
      throw tooLarge();
    }
    chunks.push(chunk);
  }
  return parseJson(Buffer.concat(chunks).toString('utf8'));
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new HttpError(400, 'invalid_json', 'the body must be valid JSON', {}, { cause: error });
  }
}
