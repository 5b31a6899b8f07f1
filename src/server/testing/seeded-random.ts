/**
 * A seeded random number generator (mulberry32) for tests that draw their input: a failing run
 * is replayed with the seed it printed.
 *
 * @example
 * const rng = seededRandom(20251202);
 * rng.pick(['a', 'b']); rng.between(1, 6);
 */
export function seededRandom(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  /** An integer in [0, max). */
  const int = (max: number) => Math.floor(next() * max);
  return {
    seed,
    next,
    int,
    pick: <T>(items: readonly T[]): T => items[int(items.length)] as T,
    /** An integer in [min, max]. */
    between: (min: number, max: number) => min + int(max - min + 1),
    /** `count` distinct integers in [min, max], ascending. */
    picks(count: number, min: number, max: number): number[] {
      const chosen = new Set<number>();
      while (chosen.size < Math.min(count, max - min + 1)) chosen.add(min + int(max - min + 1));
      return [...chosen].sort((x, y) => x - y);
    },
  };
}

export type SeededRandom = ReturnType<typeof seededRandom>;
