// @vitest-environment node
import { describe, expect, it } from 'vitest';
import { clientAddress } from './client-address.js';

describe('clientAddress', () => {
  it('is the peer when no proxy is trusted, whatever X-Forwarded-For claims', () => {
    expect(clientAddress({ 'x-forwarded-for': '1.2.3.4' }, '::ffff:10.0.0.9', 0)).toBe('10.0.0.9');
    expect(clientAddress({}, undefined, 0)).toBe('unknown');
  });

  it('behind n trusted proxies, is the nth address from the right', () => {
    const headers = { 'x-forwarded-for': '6.6.6.6, 198.51.100.4, 10.0.0.2' };
    // The client wrote 6.6.6.6 itself; the outer proxy saw 198.51.100.4; the inner one 10.0.0.2.
    expect(clientAddress(headers, '10.0.0.3', 1)).toBe('10.0.0.2');
    expect(clientAddress(headers, '10.0.0.3', 2)).toBe('198.51.100.4');
  });

  it('with fewer entries than proxies, takes the leftmost one there is', () => {
    expect(clientAddress({ 'x-forwarded-for': '198.51.100.4' }, '10.0.0.3', 2)).toBe(
      '198.51.100.4',
    );
    expect(clientAddress({}, '10.0.0.3', 1)).toBe('10.0.0.3');
  });
});
