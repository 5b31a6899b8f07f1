/**
 * Which tab of a site holds the socket. One socket per session: the tab holding it receives for
 * every tab (they mirror it through `tab-sync`), the others wait in line, and one of them takes
 * over as soon as the holder goes away. Sending takes it at once: newer wins when a tab sends.
 */
export interface SocketLock {
  /** Waits in line for the socket (`granted` runs when this tab gets it); no-op in line or holding. */
  follow(): void;
  /** Takes the socket now from whichever tab holds it (`lost` runs there); no-op when holding. */
  take(): void;
  /** Leaves the line, or gives the socket up. */
  release(): void;
  holding(): boolean;
  /**
   * True with the Web Locks API: the tabs elect the holder. False where it is missing (older
   * browsers, pages not served over https): each tab connects for what it found at load and the
   * server's "newer wins" decides, as before Web Locks.
   */
  readonly elected: boolean;
}

export interface SocketLockOptions {
  /** The lock's name, one per site: `leflux:socket:<siteKey>`. */
  name: string;
  granted(): void;
  /** Another tab took the socket from this one. */
  lost(): void;
  /** Default `navigator.locks`, where present; null: none (the fallback). */
  locks?: LockManager | null;
}

/**
 * @example
 * const lock = createSocketLock({ name: 'leflux:socket:acme', granted: connect, lost: yieldSocket });
 * lock.follow();
 */
export function createSocketLock(options: SocketLockOptions): SocketLock {
  const { name, granted, lost } = options;
  const locks =
    options.locks === undefined ? globalThis.navigator?.locks : (options.locks ?? undefined);
  let state: 'none' | 'queued' | 'holding' = 'none';
  const grant = () => {
    if (state === 'holding') return;
    state = 'holding';
    granted();
  };
  if (!locks) {
    return {
      elected: false,
      follow: grant,
      take: grant,
      release() {
        state = 'none';
      },
      holding: () => state === 'holding',
    };
  }
  /** Lets go of the held lock (settles the promise its callback returned). */
  let letGo = () => {};
  let leave: AbortController | undefined;
  /** Numbers requests: a grant or a loss for one that was superseded meanwhile is stale. */
  let current = 0;

  function request(steal: boolean): void {
    const n = ++current;
    leave?.abort();
    leave = steal ? undefined : new AbortController();
    if (!steal) state = 'queued';
    locks!
      .request(name, leave ? { signal: leave.signal } : { steal }, () => {
        // Superseded while waiting in line: returning at once lets go again.
        if (n !== current) return;
        grant();
        return new Promise<void>((resolve) => {
          letGo = resolve;
        });
      })
      .catch(() => {
        // AbortError: stolen by another tab while held, or this place in line was given up.
        if (n === current && state === 'holding') {
          state = 'none';
          lost();
        }
      });
  }

  return {
    elected: true,
    follow() {
      if (state === 'none') request(false);
    },
    take() {
      if (state !== 'holding') request(true);
    },
    release() {
      current++;
      leave?.abort();
      leave = undefined;
      letGo();
      state = 'none';
    },
    holding: () => state === 'holding',
  };
}
