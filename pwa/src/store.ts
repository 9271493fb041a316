// A tiny observable value and its Preact hook: enough state management for this app.
import { useEffect, useState } from "preact/hooks";

export interface Value<T> {
  get(): T;
  set(v: T): void;
  subscribe(fn: (v: T) => void): () => void;
}

export function value<T>(initial: T): Value<T> {
  let current = initial;
  const subs = new Set<(v: T) => void>();
  return {
    get: () => current,
    set(v) {
      current = v;
      subs.forEach((fn) => fn(v));
    },
    subscribe(fn) {
      subs.add(fn);
      return () => subs.delete(fn);
    },
  };
}

export function useValue<T>(v: Value<T>): T {
  const [, force] = useState(0);
  const seen = v.get();
  useEffect(() => {
    const off = v.subscribe(() => force((n) => n + 1));
    // A change between this render and the subscription (effects run later) would be missed.
    if (v.get() !== seen) force((n) => n + 1);
    return off;
  }, [v]);
  return seen;
}
