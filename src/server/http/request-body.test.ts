// @vitest-environment node
import type { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { readJsonBody } from './request-body.js';

/** A request whose body a framework's parser already read (`req.body` set, stream ended). */
async function parsedBy(body: unknown): Promise<IncomingMessage> {
  const req = Object.assign(Readable.from([Buffer.from('ignored')]), { headers: {}, body });
  for await (const _ of req) {
    // Drained, as a body parser leaves it.
  }
  return req as unknown as IncomingMessage;
}

describe('readJsonBody', () => {
  it('reads the stream', async () => {
    const req = Object.assign(Readable.from([Buffer.from('{"text":"hi"}')]), { headers: {} });
    expect(await readJsonBody(req as unknown as IncomingMessage, 100)).toEqual({ text: 'hi' });
  });

  it("takes the body an app's parser already read (express.json(), express.text())", async () => {
    expect(await readJsonBody(await parsedBy({ text: 'hi' }), 100)).toEqual({ text: 'hi' });
    expect(await readJsonBody(await parsedBy('{"text":"hi"}'), 100)).toEqual({ text: 'hi' });
    await expect(readJsonBody(await parsedBy('{"text":'), 100)).rejects.toMatchObject({
      status: 400,
      code: 'invalid_json',
    });
  });
});
