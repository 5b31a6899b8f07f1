/**
 * When a batching log writes its queue: at most one batch per `delayMs`, so that under load each
 * commit carries many rows; but a row someone waits for (a durable append: the visitor's ack)
 * goes out as soon as that allows, without waiting a whole delay on a quiet log.
 */
export interface FlushTimer {
  /**
   * Asks for a write: `delayMs` from now for a row nobody waits for; for a durable one,
   * `delayMs` after the last write began (at once when that is past). An earlier ask wins.
   */
  request(durable: boolean): void;
  /** Asks for a write `ms` from now, whatever the last one: a retry after a refused write. */
  retryIn(ms: number): void;
  /** A write begins now: what was asked is covered. */
  writing(): void;
  cancel(): void;
}

export interface FlushTimerOptions {
  delayMs: number;
  /** Runs `task` after `ms`; returns a function that cancels it. */
  schedule: (task: () => void, ms: number) => () => void;
  /** The clock (ms). */
  now: () => number;
  /** Writes the queue; called by the timer. */
  flush: () => void;
}

/** @example const timer = createFlushTimer({ delayMs: 20, schedule, now: performance.now.bind(performance), flush }); */
export function createFlushTimer({ delayMs, schedule, now, flush }: FlushTimerOptions): FlushTimer {
  let cancelPending: (() => void) | undefined;
  let dueAt = Number.POSITIVE_INFINITY;
  let lastWriteAt = Number.NEGATIVE_INFINITY;

  const cancel = () => {
    cancelPending?.();
    cancelPending = undefined;
    dueAt = Number.POSITIVE_INFINITY;
  };
  /** Schedules the write for `when` unless one is due sooner; `t` is now. */
  const at = (when: number, t: number) => {
    if (cancelPending && dueAt <= when) return;
    cancel();
    dueAt = when;
    cancelPending = schedule(
      () => {
        cancelPending = undefined;
        dueAt = Number.POSITIVE_INFINITY;
        flush();
      },
      Math.max(0, when - t),
    );
  };

  return {
    request(durable) {
      const t = now();
      at(durable ? Math.max(t, lastWriteAt + delayMs) : t + delayMs, t);
    },
    retryIn(ms) {
      cancel();
      const t = now();
      at(t + ms, t);
    },
    writing() {
      lastWriteAt = now();
      cancel();
    },
    cancel,
  };
}
