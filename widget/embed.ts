/**
 * The `<script src=".../widget.js" data-site-key="…" async>` entry. Reads the tag's
 * data-attributes, mounts the widget and exposes the API as `window.LeFlux` — the only global
 * we touch.
 */
import { createWidget, type LeFluxWidget } from './create-widget.js';
import { readEmbedConfig } from './embed-config.js';

declare global {
  interface Window {
    LeFlux?: LeFluxWidget;
  }
}

// `currentScript` is only set while this file first runs, so read it before anything async.
const script = document.currentScript ?? document.querySelector('script[src*="widget.js"]');

function mount(): void {
  if (window.LeFlux) {
    console.warn('[leflux] widget.js was loaded twice; keeping the first widget.');
    return;
  }
  const config = readEmbedConfig(script, document);
  window.LeFlux = createWidget(config);
}

if (document.body) mount();
else document.addEventListener('DOMContentLoaded', mount, { once: true });
