/** The headless LeFlux SDK: use it to build your own UI, or let `createWidget` render one. */

export { createClient } from './create-client.js';
export { type ClientErrorCode, LeFluxError } from './errors.js';
export type { Schedule } from './schedule.js';
export type { DeliveryStatus, HistoryStore, StoredMessage } from './storage/history.js';
export { STORAGE_KEYS } from './storage/names.js';
export type { TabMessage, TabSync } from './tabs/tab-sync.js';
export type { RunStep, StepResult, TaskEvent } from './tasks/agent-task.js';
export type {
  AckAnswer,
  Connection,
  ConnectionEvents,
  ConnectionOptions,
  ServerEvents,
} from './transport/connection.js';
export type {
  Activity,
  ClientEvents,
  ClientOptions,
  ClientState,
  LeFluxClient,
  SessionSnapshot,
} from './types.js';
