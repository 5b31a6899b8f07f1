// @vitest-environment node
import { createMemorySessionStore } from './memory-store.js';
import { describeSessionStore } from './session-store-conformance.js';

describeSessionStore('memory', (fixture) => createMemorySessionStore(fixture));
