/**
 * Runs `run` once after `ms` and returns a function that cancels it. The client takes its timers
 * (the read-only period, retry nudges, ack timeouts) through this, as it takes its clock, so
 * tests drive them instead of sleeping.
 */
export type Schedule = (ms: number, run: () => void) => () => void;

export const schedule: Schedule = (ms, run) => {
  const id = setTimeout(run, ms);
  return () => clearTimeout(id);
};
