/** npm entry: `import { createWidget, createClient } from 'leflux'`. */
export * from '../src/client/index.js';
export type { ChatMessage, ErrorCode } from '../src/protocol/index.js';
export { createWidget, type LeFluxWidget, type WidgetOptions } from './create-widget.js';
export type { EmbedConfig, Position, Theme } from './embed-config.js';
export type { Lang, StringOverrides, Strings } from './strings.js';
