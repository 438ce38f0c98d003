/**
 * Login throttling: after a few failures for a user name or from an address, further attempts
 * wait, twice as long each time (up to a ceiling); a success clears the user's count. In memory
 * for one server (a restart forgives); in Redis for a cluster (RedisLoginThrottle), so a guesser
 * gets no more tries by spreading them over the servers.
 */
import { createHash } from "node:crypto";
import type { RedisClient } from "../cluster/redis-connection.ts";

/** What a login asks of a throttle, in memory or shared. */
export interface Throttle {
  waitMs(keys: readonly string[]): number | Promise<number>;
  failed(keys: readonly string[]): void | Promise<void>;
  succeeded(keys: readonly string[]): void | Promise<void>;
}

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

export class LoginThrottle implements Throttle {
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

/** A failure counted and, past the free ones, the wait set; both forgotten after the window. */
const FAILED = `
local n = redis.call('INCR', KEYS[1])
redis.call('PEXPIRE', KEYS[1], ARGV[1])
local over = n - tonumber(ARGV[2])
if over >= 0 then
  local delay = math.min(tonumber(ARGV[4]), tonumber(ARGV[3]) * 2 ^ math.min(over, 30))
  redis.call('SET', KEYS[2], tostring(tonumber(ARGV[5]) + delay), 'PX', ARGV[1])
end
return n
`;

/**
 * The cluster's throttle: per key (a SHA-256 of it: user names and addresses are not written in
 * clear) a failure count and the time until which it waits, both expiring after the window.
 */
export class RedisLoginThrottle implements Throttle {
  private readonly opts: ThrottleOptions;

  constructor(
    private readonly client: RedisClient,
    private readonly prefix: string,
    opts: Partial<ThrottleOptions> = {},
    private readonly now: () => number = Date.now,
  ) {
    this.opts = { ...DEFAULTS, ...opts };
  }

  private keysOf(key: string): [string, string] {
    const h = createHash("sha256").update(key).digest("base64url");
    return [`${this.prefix}th:${h}:n`, `${this.prefix}th:${h}:until`];
  }

  async waitMs(keys: readonly string[]): Promise<number> {
    if (!keys.length) return 0;
    const until = await this.client.mGet(keys.map((k) => this.keysOf(k)[1]));
    const t = this.now();
    return Math.max(0, ...until.map((u) => (u ? Number(u) - t : 0)));
  }

  async failed(keys: readonly string[]): Promise<void> {
    const t = this.now();
    for (const k of keys) {
      await this.client.eval(FAILED, {
        keys: this.keysOf(k),
        arguments: [
          String(this.opts.windowMs),
          String(this.opts.freeFailures),
          String(this.opts.baseDelayMs),
          String(this.opts.maxDelayMs),
          String(t),
        ],
      });
    }
  }

  async succeeded(keys: readonly string[]): Promise<void> {
    if (keys.length) await this.client.del(keys.flatMap((k) => this.keysOf(k)));
  }
}
