/** What the SQLite and PostgreSQL logs' dashboard queries share. */

export const DAY_MS = 86_400_000;

/**
 * A LIKE pattern that finds `text` anywhere, its own `%`, `_` and `\` taken literally (the
 * queries say `ESCAPE '\'`).
 *
 * @example likePattern('50%') // '%50\\%%'
 */
export function likePattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** Site keys in code-point order, whatever order or collation the database found them in. */
export function sortedSites(sites: readonly string[]): string[] {
  return [...sites].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}
