/**
 * Login throttling: after a few failures for a user name or from an address, further attempts
 * wait, twice as long each time (up to a ceiling); a success clears the user's count. In memory:
 * a restart forgives, which is acceptable for one server (the scale-out issue moves it to Redis).
 */
export interface ThrottleOptions {
  /** Failures allowed before waiting starts. */
  freeFailures: number;
  /** The first wait, doubled at each further failure. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** Failures older than this are forgotten. */
  windowMs: number;
  /** Most keys remembered (oldest dropped first), so a flood of names cannot fill memory. */
  maxKeys: number;
}

const DEFAULTS: ThrottleOptions = {
  freeFailures: 5,
  baseDelayMs: 1000,
  maxDelayMs: 15 * 60_000,
  windowMs: 15 * 60_000,
  maxKeys: 10_000,
};

interface Entry {
  failures: number;
  last: number;
  blockedUntil: number;
}

export class LoginThrottle {
  private readonly entries = new Map<string, Entry>();
  private readonly opts: ThrottleOptions;

  constructor(
    opts: Partial<ThrottleOptions> = {},
    private readonly now: () => number = Date.now,
  ) {
    this.opts = { ...DEFAULTS, ...opts };
  }

  /** Milliseconds to wait before `keys` may try again (0: now). */
  waitMs(keys: readonly string[]): number {
    const t = this.now();
    let wait = 0;
    for (const k of keys) {
      const e = this.entries.get(k);
      if (!e) continue;
      if (t - e.last > this.opts.windowMs) {
        this.entries.delete(k);
        continue;
      }
      wait = Math.max(wait, e.blockedUntil - t);
    }
    return Math.max(0, wait);
  }

  failed(keys: readonly string[]): void {
    const t = this.now();
    for (const k of keys) {
      let e = this.entries.get(k);
      if (!e || t - e.last > this.opts.windowMs) e = { failures: 0, last: t, blockedUntil: 0 };
      e.failures++;
      e.last = t;
      const over = e.failures - this.opts.freeFailures;
      if (over >= 0)
        e.blockedUntil = t + Math.min(this.opts.maxDelayMs, this.opts.baseDelayMs * 2 ** Math.min(over, 30));
      this.entries.delete(k);
      this.entries.set(k, e);
    }
    while (this.entries.size > this.opts.maxKeys) this.entries.delete(this.entries.keys().next().value as string);
  }

  succeeded(keys: readonly string[]): void {
    for (const k of keys) this.entries.delete(k);
  }
}
