/** Wire types, limits and validators shared by client and server. No I/O, no imports of ours. */
export * from './contact.js';
export * from './errors.js';
export * from './events.js';
export * from './identity.js';
export * from './limits.js';
export * from './messages.js';
export * from './tasks.js';
export * from './validate.js';
