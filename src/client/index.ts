/** The headless LeFlux SDK: use it to build your own UI, or let `createWidget` render one. */
export { type ClientErrorCode, LeFluxError } from './errors.js';
export {
  type ClientEvents,
  type ClientOptions,
  type ClientState,
  createClient,
  type LeFluxClient,
  type SessionSnapshot,
  type StepResult,
} from './session.js';
export type { DeliveryStatus, StoredMessage } from './storage/history.js';
export { STORAGE_KEYS } from './storage/session-records.js';
