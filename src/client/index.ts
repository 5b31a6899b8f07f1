/** The headless LeFlux SDK: use it to build your own UI, or let `createWidget` render one. */
export type { RunStep } from './agent-task.js';
export { type ClientErrorCode, LeFluxError } from './errors.js';
export { createClient } from './session.js';
export type { DeliveryStatus, HistoryStore, StoredMessage } from './storage/history.js';
export { STORAGE_KEYS } from './storage/names.js';
export type { TabMessage, TabSync } from './tabs/tab-sync.js';
export type { Connection, ConnectionEvents, ConnectionOptions } from './transport/connection.js';
export type {
  Activity,
  ClientEvents,
  ClientOptions,
  ClientState,
  LeFluxClient,
  SessionSnapshot,
  StepResult,
} from './types.js';
