/**
 * The package's browser entry: `import { createWidget, createClient } from 'leflux'`.
 * `createWidget` mounts the chat UI; `createClient` is the headless SDK underneath it. Every type
 * of their options, state, events and the wire protocol is exported too.
 */
export * from '../src/client/index.js';
export type * from '../src/protocol/index.js';
export { createWidget, type LeFluxWidget, type WidgetOptions } from './create-widget.js';
export type {
  EmbedConfig,
  LeFluxSettings,
  Position,
  Theme,
  WidgetUpdate,
} from './embed-config.js';
export type { Lang, StringOverrides, Strings } from './strings.js';
