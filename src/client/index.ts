/** The headless LeFlux SDK: use it to build your own UI, or let `createWidget` render one. */

export { createClient } from './create-client.js';
export { type ClientErrorCode, LeFluxError } from './errors.js';
export type { DeliveryStatus, StoredMessage } from './storage/history.js';
export { STORAGE_KEYS } from './storage/names.js';
export type { RunStep, StepResult, TaskEvent } from './tasks/agent-task.js';
export type {
  Activity,
  ClientEvents,
  ClientOptions,
  ClientState,
  LeFluxClient,
  SessionSnapshot,
} from './types.js';
