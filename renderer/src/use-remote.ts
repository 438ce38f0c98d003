import { useCallback, useEffect, useRef, useState } from "react";

/** What a view loaded from the engine: the data, the error in the engine's words, a reload. */
export interface Remote<T> {
  data?: T;
  error?: string;
  loading: boolean;
  reload: () => void;
}

/**
 * Loads `load()` when the key changes, and again on `reload()` or when `refresh` changes, keeping
 * the last data while a reload is under way; an answer overtaken by a newer load is dropped. An
 * empty key loads nothing.
 */
export function useRemote<T>(key: string, load: () => Promise<T>, refresh: unknown = 0): Remote<T> {
  const [state, setState] = useState<{ key: string; data?: T; error?: string; loading: boolean }>({
    key,
    loading: Boolean(key),
  });
  const [tick, setTick] = useState(0);
  const loader = useRef(load);
  loader.current = load;
  useEffect(() => {
    if (!key) return;
    let live = true;
    setState((s) => (s.key === key ? { ...s, loading: true } : { key, loading: true }));
    loader.current().then(
      (data) => live && setState({ key, data, loading: false }),
      (e: unknown) => live && setState((s) => ({ ...s, key, error: (e as Error).message, loading: false })),
    );
    return () => {
      live = false;
    };
  }, [key, tick, refresh]);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  const own = state.key === key;
  return {
    ...(own && state.data !== undefined ? { data: state.data } : {}),
    ...(own && state.error !== undefined ? { error: state.error } : {}),
    loading: own ? state.loading : Boolean(key),
    reload,
  };
}
