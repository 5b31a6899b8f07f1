import { describe, expect, it } from 'vitest';
import { type LinkEvent, type LinkState, nextLinkState } from './link.js';

const STATES: LinkState[] = ['idle', 'connecting', 'binding', 'bound', 'yielded'];
const EVENTS: LinkEvent[] = [
  'hold',
  'socketUp',
  'bound',
  'socketDown',
  'rebind',
  'takenOver',
  'holdPassed',
  'release',
];

describe('the connection’s transitions', () => {
  it('follows the path of a tab that sends: idle, connecting, binding, bound', () => {
    let state: LinkState = 'idle';
    for (const [event, next] of [
      ['hold', 'connecting'],
      ['socketUp', 'binding'],
      ['bound', 'bound'],
    ] as const) {
      state = nextLinkState(state, event) ?? state;
      expect(state).toBe(next);
    }
  });

  it.each([
    // A dropped socket reconnects (socket.io's own) and binds again.
    ['bound', 'socketDown', 'connecting'],
    ['binding', 'socketDown', 'connecting'],
    // New contact details, or the server lost track of this socket: session_init again.
    ['bound', 'rebind', 'binding'],
    // Another tab sent: read-only for a while, then a follower.
    ['bound', 'takenOver', 'yielded'],
    ['binding', 'takenOver', 'yielded'],
    ['yielded', 'holdPassed', 'idle'],
    // Taken over before the socket was even up: nothing was held, nothing to notice.
    ['connecting', 'takenOver', 'idle'],
    // The tab that took over went away during the read-only period: this one holds again.
    ['yielded', 'hold', 'connecting'],
    // Cleared, evicted with nothing to send, refused, destroyed.
    ['connecting', 'release', 'idle'],
    ['binding', 'release', 'idle'],
    ['bound', 'release', 'idle'],
    ['yielded', 'release', 'idle'],
  ] as const)('%s --%s--> %s', (from, event, to) => {
    expect(nextLinkState(from, event)).toBe(to);
  });

  it('ignores what does not apply, so a late or repeated event changes nothing', () => {
    const allowed: Record<LinkState, LinkEvent[]> = {
      idle: ['hold'],
      connecting: ['socketUp', 'takenOver', 'release'],
      binding: ['bound', 'socketDown', 'takenOver', 'release'],
      bound: ['socketDown', 'rebind', 'takenOver', 'release'],
      yielded: ['holdPassed', 'hold', 'release'],
    };
    for (const state of STATES) {
      for (const event of EVENTS) {
        const next = nextLinkState(state, event);
        if (allowed[state].includes(event)) expect(next, `${state} ${event}`).toBeDefined();
        else expect(next, `${state} ${event}`).toBeUndefined();
      }
    }
  });

  it('leaves the read-only period only by its end, a release, or holding the socket again', () => {
    const out = EVENTS.filter((event) => nextLinkState('yielded', event) !== undefined);
    expect(out.sort()).toEqual(['hold', 'holdPassed', 'release']);
  });
});
