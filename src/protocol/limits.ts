/** Hard limits shared by client and server. The server enforces them; the client checks early to fail fast. */
export const LIMITS = {
  /** Longest visitor or agent message text, in UTF-16 code units. */
  maxTextLength: 4000,
  /** Longest author name shown above an agent message (`name`). */
  maxNameLength: 80,
  /** Longest URL or page title reported by the widget. */
  maxUrlLength: 2048,
  maxTitleLength: 300,
  /** Message ids are nanoids (21 chars); allow other generators up to this length. */
  maxIdLength: 64,
  maxSiteKeyLength: 64,
  /** Largest JSON body the HTTP API accepts. */
  maxBodyBytes: 16 * 1024,
  /** Messages a server session keeps for restore and replay. */
  maxHistory: 10_000,
  /** Steps in one agent task. */
  maxTaskSteps: 50,
  /** Longest CSS selector in a task step. */
  maxSelectorLength: 500,
  /** Longest task or step label. */
  maxLabelLength: 200,
} as const;

/** Ids we accept from the outside: nanoid's alphabet, bounded. */
export const ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
/** Site keys: lower-case slug. */
export const SITE_KEY_PATTERN = /^[a-z0-9][a-z0-9_-]{0,63}$/;
/** Wait scopes and session value keys (an `ask` step's `scope` and `key`). */
export const KEY_PATTERN = /^[A-Za-z0-9_.:-]{1,64}$/;
