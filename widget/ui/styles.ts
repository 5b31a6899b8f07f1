/**
 * The widget's only stylesheet, inside its shadow root. `:host` resets everything the page could
 * pass down by inheritance; `!important` there wins over the page's own `!important` rules on the
 * host element (inner encapsulation context wins for important declarations).
 */
export const STYLES = `
:host {
  all: initial !important;
  position: fixed !important;
  bottom: 20px !important;
  z-index: 2147483000 !important;
  display: block !important;
  --lf-accent: #4f46e5;
  --lf-accent-text: #fff;
  --lf-bg: #fff;
  --lf-fg: #1f2330;
  --lf-muted: #6b7080;
  --lf-agent-bg: #f0f1f5;
  --lf-border: #e2e4ea;
  --lf-notice-bg: #fff7e0;
  --lf-notice-fg: #6b4e00;
}
:host([data-position="right"]) { right: 20px !important; }
:host([data-position="left"]) { left: 20px !important; }
:host([data-theme="dark"]) {
  --lf-bg: #1b1d24; --lf-fg: #eceef4; --lf-muted: #9aa0b0; --lf-agent-bg: #2a2d37;
  --lf-border: #333744; --lf-notice-bg: #3b3210; --lf-notice-fg: #f3df9b;
}
@media (prefers-color-scheme: dark) {
  :host([data-theme="auto"]) {
    --lf-bg: #1b1d24; --lf-fg: #eceef4; --lf-muted: #9aa0b0; --lf-agent-bg: #2a2d37;
    --lf-border: #333744; --lf-notice-bg: #3b3210; --lf-notice-fg: #f3df9b;
  }
  :host([data-theme="auto"]) .root { color-scheme: dark; }
}
/*
 * Typography sits on the root element, not :host, where \`all: initial !important\` would win.
 * \`all\` leaves \`direction\` alone by spec, so the root sets it (our strings are all LTR).
 */
.root { direction: ltr; unicode-bidi: isolate; font: 400 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--lf-fg); color-scheme: light; }
:host([data-theme="dark"]) .root { color-scheme: dark; }
*, *::before, *::after { box-sizing: border-box; }
[hidden] { display: none !important; }
button, textarea { font: inherit; color: inherit; margin: 0; }
button { cursor: pointer; }
button:disabled { cursor: default; }
:focus-visible { outline: 2px solid var(--lf-accent); outline-offset: 2px; }
.launcher {
  width: 56px; height: 56px; border: 0; border-radius: 50%; display: grid; place-items: center;
  background: var(--lf-accent); color: var(--lf-accent-text);
  box-shadow: 0 6px 20px rgb(0 0 0 / 0.22);
}
.window {
  width: min(370px, calc(100vw - 40px)); height: min(560px, calc(100vh - 40px));
  display: flex; flex-direction: column; overflow: hidden;
  background: var(--lf-bg); color: var(--lf-fg);
  border: 1px solid var(--lf-border); border-radius: 14px;
  box-shadow: 0 12px 40px rgb(0 0 0 / 0.25);
}
.header {
  display: flex; align-items: center; gap: 8px; padding: 12px 12px 12px 16px;
  background: var(--lf-accent); color: var(--lf-accent-text);
  user-select: none; -webkit-user-select: none; -webkit-touch-callout: none; touch-action: none;
}
.title { flex: 1; margin: 0; font-size: 16px; font-weight: 600; }
.connection { font-size: 12px; opacity: 0.85; }
.icon-button {
  display: grid; place-items: center; width: 32px; height: 32px;
  border: 0; border-radius: 8px; background: transparent; color: inherit;
}
.icon-button:hover { background: rgb(255 255 255 / 0.15); }
.window { position: relative; }
.menu {
  position: absolute; top: 56px; right: 10px; z-index: 1; display: flex; flex-direction: column;
  min-width: 220px; padding: 6px; border-radius: 10px;
  background: var(--lf-bg); border: 1px solid var(--lf-border); box-shadow: 0 8px 24px rgb(0 0 0 / 0.18);
}
.menu button {
  text-align: left; padding: 9px 12px; border: 0; border-radius: 6px; background: transparent;
}
.menu button:hover, .menu button:focus-visible { background: var(--lf-agent-bg); }
.notice {
  padding: 8px 14px; font-size: 13px;
  background: var(--lf-notice-bg); color: var(--lf-notice-fg);
  border-bottom: 1px solid var(--lf-border);
}
.log {
  flex: 1; overflow-y: auto; padding: 14px; display: flex; flex-direction: column; gap: 8px;
  overscroll-behavior: contain; overflow-anchor: none;
}
.empty, .divider { margin: 4px 0; text-align: center; font-size: 13px; color: var(--lf-muted); }
.divider { display: flex; align-items: center; gap: 8px; }
.divider::before, .divider::after { content: ""; flex: 1; border-top: 1px solid var(--lf-border); }
.message { display: flex; flex-direction: column; max-width: 82%; }
.message[data-author="visitor"] { align-self: flex-end; align-items: flex-end; }
.message[data-author="agent"] { align-self: flex-start; }
.message[data-author="system"] { align-self: center; }
.message[data-earlier] { opacity: 0.6; }
.bubble {
  margin: 0; padding: 8px 12px; border-radius: 14px;
  white-space: pre-wrap; overflow-wrap: anywhere;
}
.message[data-author="visitor"] .bubble { background: var(--lf-accent); color: var(--lf-accent-text); border-bottom-right-radius: 4px; }
.message[data-author="agent"] .bubble { background: var(--lf-agent-bg); border-bottom-left-radius: 4px; }
.message[data-author="system"] .bubble { font-size: 13px; color: var(--lf-muted); }
.status { font-size: 11px; color: var(--lf-muted); margin-top: 2px; }
.message[data-status="failed"] .status { color: #c0262d; }
.activity {
  margin: 0; padding: 6px 14px; font-size: 13px; color: var(--lf-muted);
  border-top: 1px solid var(--lf-border);
}
.contact-answer { display: flex; flex-wrap: wrap; gap: 6px; align-self: flex-start; max-width: 82%; }
.contact-answer input {
  flex: 1; min-width: 0; padding: 7px 10px; font: inherit; color: inherit; background: var(--lf-bg);
  border: 1px solid var(--lf-border); border-radius: 8px;
}
.contact-answer input[aria-invalid] { border-color: #c0262d; }
.contact-answer button {
  padding: 7px 12px; border: 0; border-radius: 8px; background: var(--lf-accent); color: var(--lf-accent-text);
}
.field-error { flex-basis: 100%; margin: 0; font-size: 12px; color: #c0262d; }
.composer { display: flex; gap: 8px; padding: 10px; border-top: 1px solid var(--lf-border); }
.input {
  flex: 1; resize: none; min-height: 40px; max-height: 120px; padding: 9px 12px;
  border: 1px solid var(--lf-border); border-radius: 10px; background: var(--lf-bg);
}
.input:disabled { opacity: 0.6; }
.send {
  width: 40px; height: 40px; border: 0; border-radius: 10px; display: grid; place-items: center;
  background: var(--lf-accent); color: var(--lf-accent-text);
}
.send:disabled { opacity: 0.45; }
`;
