/**
 * Stands for an object a beforeAll creates, so that a test file can name it once at the top: it
 * reads through to `current()` and throws, naming `what`, while there is none.
 */
export function startedInHooks<T extends object>(current: () => T | undefined, what: string): T {
  // A proxy rather than a `let` each file assigns: the instance exists only once beforeAll ran.
  return new Proxy({} as T, {
    get(_target, prop) {
      const started = current();
      if (!started) throw new Error(`${what} used outside its tests (reading ${String(prop)})`);
      const value: unknown = Reflect.get(started, prop, started);
      return typeof value === 'function' ? (value as (this: T, ...args: unknown[]) => unknown).bind(started) : value;
    },
  });
}
