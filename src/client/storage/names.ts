/**
 * Where the browser keeps LeFlux data (the contract's storage table), in a module of its own
 * with no imports: `widget.js` reads these names before anything else loads.
 */
export const STORAGE_KEYS = {
  session: 'leflux:sessionId',
  widget: 'leflux:widget',
  user: 'leflux:user',
} as const;

/** The IndexedDB database holding the message history. */
export const HISTORY_DB = 'leflux';
