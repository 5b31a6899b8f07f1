/**
 * The embed module `widget.js` loads: reads `window.LeFluxSettings` and the script tag's
 * data-attributes, shows the launcher at once (plain DOM, no framework) and loads the chat itself —
 * at once when a stored conversation, an open window or a queued call needs it, otherwise on the
 * visitor's first interaction or when the page is idle.
 */
import { storedWidgetState } from '../src/client/boot-state.js';
import { readEmbedConfig } from './embed-config.js';
import { createHost, showLauncher, updateLook } from './host.js';
import type { Boot, Call } from './loader.js';
import { loadStrings } from './strings.js';

/** Calls that never need the chat UI: they wait for it without asking for it. */
const LISTENERS = ['on', 'off'];
/** Calls the launcher answers before the chat UI is there. */
const LAUNCHER = ['show', 'hide', 'update'];

export function mount(script: HTMLScriptElement | null, boot: Boot): void {
  const { api, calls } = boot;
  const config = readEmbedConfig(script, document);
  const stored = storedWidgetState(config.siteKey);
  const opensNow = stored.open ?? config.open;
  const host = createHost({ ...config, hideLauncher: opensNow });
  const run = ([name, args, resolve, reject]: Call) => {
    try {
      resolve((api[name] as (...a: unknown[]) => unknown)(...args));
    } catch (error) {
      reject(error);
    }
  };

  let loading: Promise<void> | undefined;
  const load = (): Promise<void> => {
    if (loading) return loading;
    // The visitor's strings (English is inline; another language is a chunk of its own) are
    // fetched alongside the chat chunk, not after it.
    const strings = loadStrings(config.lang);
    loading = import('./create-widget.js').then(({ startWidget }) => {
      Object.assign(api, startWidget(host, config, strings, boot.db));
      for (const call of calls.splice(0)) run(call);
      dispatchEvent(new Event('leflux:ready'));
    });
    return loading;
  };

  // Until the chat UI is there, show/hide/update work on the launcher and on the settings the
  // chat starts with; the calls queued so far run in order, those now, the rest with the chat.
  api.show = () => showLauncher(host, true);
  api.hide = () => showLauncher(host, false);
  api.update = (changes: unknown) => updateLook(host, config, changes, config.strings);
  for (const call of calls.splice(0)) LAUNCHER.includes(call[0]) ? run(call) : calls.push(call);

  // Other calls on `window.LeFlux` from now on load the chat UI, which runs them.
  boot.load = load;

  // Until the chat UI is loaded, a click loads it and then opens the window; after that the UI
  // handles the launcher itself.
  const openOnLoad = () => void load().then(() => (api.open as () => void)());
  host.launcher.addEventListener('click', openOnLoad, { once: true });
  // A pointer on its way or keyboard focus: start fetching before the click.
  host.launcher.addEventListener('pointerenter', () => void load(), { once: true });
  host.launcher.addEventListener('focus', () => void load(), { once: true });

  if (opensNow || stored.hasSession || calls.some(([name]) => !LISTENERS.includes(name)))
    void load();
  else if ('requestIdleCallback' in window)
    requestIdleCallback(() => void load(), { timeout: 4_000 });
  else setTimeout(() => void load(), 2_000);
}
