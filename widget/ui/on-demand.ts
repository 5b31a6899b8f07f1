import { useEffect, useState } from 'preact/hooks';

/**
 * A part of the UI a plain chat does not use (the contact form, the conversation menu), loaded
 * the first time `needed` is true and kept after; undefined until its chunk has arrived.
 *
 * @example const Menu = useOnDemand(open, () => import('./menu.js').then((m) => m.Menu));
 */
export function useOnDemand<T>(needed: boolean, load: () => Promise<T>): T | undefined {
  const [loaded, setLoaded] = useState<{ value: T }>();
  useEffect(() => {
    if (!needed || loaded) return;
    let current = true;
    load().then(
      (value) => current && setLoaded({ value }),
      (error: unknown) => console.warn('[leflux] could not load a part of the chat', error),
    );
    return () => {
      current = false;
    };
  }, [needed, loaded]);
  return loaded?.value;
}
