/**
 * The embed module `widget.js` loads: reads the script tag's data-attributes, shows the launcher
 * at once (plain DOM, no framework) and loads the chat itself — at once when a stored conversation
 * or an open window needs it, otherwise on the visitor's first interaction or when the page is idle.
 */
import { storedWidgetState } from '../src/client/boot-state.js';
import { readEmbedConfig } from './embed-config.js';
import { createHost } from './host.js';
import type { Boot } from './loader.js';
import { launcherLabel, loadStrings, overrideStrings } from './strings.js';

export function mount(script: HTMLScriptElement | null, boot: Boot): void {
  const config = readEmbedConfig(script, document);
  const strings = overrideStrings(
    (window as { LeFluxSettings?: { strings?: unknown } }).LeFluxSettings?.strings,
    console.warn,
  );
  const stored = storedWidgetState(config.siteKey);
  const opensNow = stored.open ?? config.open;
  const host = createHost({
    ...config,
    label: strings.openChat ?? launcherLabel(config.lang),
    hideLauncher: opensNow,
  });

  let loading: Promise<void> | undefined;
  const load = (): Promise<void> => {
    if (loading) return loading;
    // The visitor's strings (English is inline; another language is a chunk of its own) are
    // fetched alongside the chat chunk, not after it.
    const table = loadStrings(config.lang, strings);
    loading = import('./create-widget.js').then(({ startWidget }) => {
      const widget = startWidget(host, config, table, boot.db);
      Object.assign(boot.api, widget);
      for (const [name, args, resolve, reject] of boot.calls.splice(0)) {
        try {
          resolve(
            (widget as unknown as Record<string, (...a: unknown[]) => unknown>)[name]?.(...args),
          );
        } catch (error) {
          reject(error);
        }
      }
    });
    return loading;
  };

  // Calls on `window.LeFlux` from now on load the chat UI too, then run on the real API.
  for (const [name, queued] of Object.entries(boot.api)) {
    if (name === 'getSession' || name === 'activity' || typeof queued !== 'function') continue;
    boot.api[name] = (...args: unknown[]) =>
      load().then(() => (boot.api[name] as (...a: unknown[]) => unknown)(...args));
  }

  // Until the chat UI is loaded, a click loads it and then opens the window; after that the UI
  // handles the launcher itself.
  const openOnLoad = () => void load().then(() => (boot.api.open as () => void)());
  host.launcher.addEventListener('click', openOnLoad, { once: true });
  // A pointer on its way or keyboard focus: start fetching before the click.
  host.launcher.addEventListener('pointerenter', () => void load(), { once: true });
  host.launcher.addEventListener('focus', () => void load(), { once: true });

  if (opensNow || stored.hasSession || boot.calls.length > 0) void load();
  else if ('requestIdleCallback' in window)
    requestIdleCallback(() => void load(), { timeout: 4_000 });
  else setTimeout(() => void load(), 2_000);
}
