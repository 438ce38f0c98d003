/**
 * Claims of FullSync listener work, so that servers sharing one external CouchDB run each
 * listener once per change (listener-feed.ts). A claim names one change for one listener (the
 * feed's caller builds the name: database, listener, document id and revision); a server runs it
 * only once it holds the claim:
 *
 * - `claim`: `SET key owner NX PX lease`: answers claimed (now ours), done (some server ran it)
 *   or held (another server runs it now);
 * - the lease of every claim held is renewed while the run lasts (every third of the lease);
 * - `done`: the claim becomes `done`, kept `doneTtlMs` so a server that sees the change late does
 *   not run it again; `release`: given back (a run stopped before it ran), for another server;
 * - a server that dies stops renewing: its claims expire after the lease and another server that
 *   saw the change claims and runs it (at least once: a run cut short may have reached its back
 *   end before it died).
 *
 * They also keep what the engine's own sequences wrote (`writing`, `written`, `origins`: such
 * changes do not run listeners, as today) and a checkpoint per database (the last sequence fully
 * handled, `checkpoint` / `advance`), so a restarted server does not replay the feed.
 *
 * Two implementations: in memory (one server; the default, where listeners run after the device
 * writes this server receives, as before) and Redis (`redisListenerClaims`: several servers).
 * Every key has a time to live; names are hashed (SHA-256), so a key's size does not depend on
 * document ids.
 */
import { createHash, randomBytes } from "node:crypto";
import os from "node:os";
import { closeRedis, connectRedis, redactedUrl, withTimeout, type RedisClient } from "../cluster/redis-connection.ts";

/** What a claim attempt found: now ours, handled already, or held by another server. */
export type ClaimState = "claimed" | "done" | "held";
/** A claim as it stands (claims of this server read as held). */
export type ClaimPeek = "done" | "held" | "free";
/** Who wrote a revision: the engine's sequences (`writing`: a write of theirs is under way), or anyone else. */
export type ChangeOrigin = "engine" | "writing" | "other";

export interface ListenerClaims {
  /**
   * Several servers share these claims: listeners then follow the databases' change feeds (any
   * server may run the listener of a change written anywhere). Not shared: listeners run after
   * the device writes this server receives (the single-server behaviour).
   */
  readonly shared: boolean;
  /** This server's name in the claims (host, process, random). */
  readonly owner: string;
  readonly leaseMs: number;
  /** Claims each key; renewed by itself until `done` or `release`. */
  claim(keys: readonly string[]): Promise<ClaimState[]>;
  peek(keys: readonly string[]): Promise<ClaimPeek[]>;
  /** The changes are handled: nobody runs them again (for `doneTtlMs`). */
  done(keys: readonly string[]): Promise<void>;
  /** Gives claims of this server back (their run did not happen). */
  release(keys: readonly string[]): Promise<void>;
  /** An engine's write of these documents (keys of database + id) starts. */
  writing(docKeys: readonly string[]): Promise<void>;
  /** ...and ended: `revKeys` (database + id + revision) are the revisions it stored. */
  written(docKeys: readonly string[], revKeys: readonly string[]): Promise<void>;
  /** Who wrote each revision (`docKeys[i]`, `revKeys[i]`). */
  origins(docKeys: readonly string[], revKeys: readonly string[]): Promise<ChangeOrigin[]>;
  /** The shared checkpoint of a feed (JSON of a sequence), if any. */
  checkpoint(name: string): Promise<string | undefined>;
  /** Moves the checkpoint forward (never back: a sequence with a smaller number is ignored). */
  advance(name: string, seq: string): Promise<void>;
  /** Where the claims are, for messages (no password). */
  describe(): string;
  /** Stops renewing and disconnects; claims still held are not released (they expire). */
  close(): Promise<void>;
}

export interface ClaimsTuning {
  /** A claim's lease, renewed every third while its run lasts (default 30 s). */
  leaseMs?: number;
  /** How long a handled change is remembered (default 6 hours). */
  doneTtlMs?: number;
  /** Longest an engine's write is expected to take (default 60 s; the CouchDB's write limit is 15 s). */
  writeTtlMs?: number;
  /** Time to live of a feed's checkpoint, renewed at each advance (default 30 days). */
  checkpointTtlMs?: number;
  /** This server's name in the claims (default host:pid:random). */
  owner?: string;
}

const DEFAULTS = {
  leaseMs: 30_000,
  doneTtlMs: 6 * 3600_000,
  writeTtlMs: 60_000,
  checkpointTtlMs: 30 * 24 * 3600_000,
};
/** Most keys in one Redis command or script. */
const KEYS_PER_CALL = 500;

function positive(n: number | undefined, fallback: number): number {
  return typeof n === "number" && Number.isFinite(n) && n > 0 ? Math.floor(n) : fallback;
}

function defaultOwner(): string {
  return `${os.hostname()}:${process.pid}:${randomBytes(4).toString("hex")}`;
}

/** The number a sequence starts with (CouchDB 3: "12-g1AAA..."; PouchDB: 12), if any. */
export function seqNumber(seqJson: string): number | undefined {
  const m = /^"?(\d+)/.exec(seqJson);
  return m ? Number(m[1]) : undefined;
}

// ---- shared renewal ----------------------------------------------------------------------------

/** Renews the claims a server holds, every third of the lease. */
class Renewer {
  readonly held = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private running = false;

  constructor(
    private readonly periodMs: number,
    private readonly renew: (keys: string[]) => Promise<boolean[]>,
    private readonly lost: (count: number) => void,
    private readonly failed: (e: unknown) => void,
  ) {}

  add(keys: readonly string[]): void {
    for (const k of keys) this.held.add(k);
    this.arm();
  }

  delete(keys: readonly string[]): void {
    for (const k of keys) this.held.delete(k);
    if (this.held.size === 0) this.stop();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private arm(): void {
    if (this.timer || this.held.size === 0) return;
    this.timer = setInterval(() => void this.tick(), this.periodMs);
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      const keys = [...this.held];
      const ok = await this.renew(keys);
      let lost = 0;
      keys.forEach((k, i) => {
        if (!ok[i] && this.held.delete(k)) lost++;
      });
      if (lost) this.lost(lost);
    } catch (e) {
      this.failed(e);
    } finally {
      this.running = false;
    }
  }
}

// ---- in memory -----------------------------------------------------------------------------------

interface Entry {
  value: string;
  expires: number;
}

/** The claims' times and owner, the defaults filling what is not given. */
function tuned(t: ClaimsTuning): Required<Omit<ClaimsTuning, "owner">> & { owner: string } {
  return {
    owner: t.owner ?? defaultOwner(),
    leaseMs: positive(t.leaseMs, DEFAULTS.leaseMs),
    doneTtlMs: positive(t.doneTtlMs, DEFAULTS.doneTtlMs),
    writeTtlMs: positive(t.writeTtlMs, DEFAULTS.writeTtlMs),
    checkpointTtlMs: positive(t.checkpointTtlMs, DEFAULTS.checkpointTtlMs),
  };
}

/**
 * Claims kept in this process. One store may be shared by several `memoryListenerClaims` (each
 * its own owner): servers simulated in one process, for tests.
 */
export class MemoryClaimStore {
  private readonly map = new Map<string, Entry>();

  constructor(private readonly maxEntries = 200_000) {}

  get(key: string): string | undefined {
    const e = this.map.get(key);
    if (!e) return undefined;
    if (e.expires <= Date.now()) {
      this.map.delete(key);
      return undefined;
    }
    return e.value;
  }

  set(key: string, value: string, ttlMs: number): void {
    this.map.delete(key);
    this.map.set(key, { value, expires: Date.now() + ttlMs });
    if (this.map.size > this.maxEntries) this.sweep();
  }

  delete(key: string): void {
    this.map.delete(key);
  }

  get size(): number {
    return this.map.size;
  }

  /** Drops what expired, then the oldest entries beyond the bound. */
  private sweep(): void {
    const now = Date.now();
    for (const [k, e] of this.map) if (e.expires <= now) this.map.delete(k);
    for (const k of this.map.keys()) {
      if (this.map.size <= this.maxEntries * 0.9) break;
      this.map.delete(k);
    }
  }
}

class MemoryListenerClaims implements ListenerClaims {
  readonly owner: string;
  readonly leaseMs: number;
  private readonly doneTtlMs: number;
  private readonly writeTtlMs: number;
  private readonly checkpointTtlMs: number;
  private readonly renewer: Renewer;

  constructor(
    readonly shared: boolean,
    private readonly store: MemoryClaimStore,
    tuning: ClaimsTuning,
  ) {
    ({
      owner: this.owner,
      leaseMs: this.leaseMs,
      doneTtlMs: this.doneTtlMs,
      writeTtlMs: this.writeTtlMs,
      checkpointTtlMs: this.checkpointTtlMs,
    } = tuned(tuning));
    this.renewer = new Renewer(
      Math.max(10, Math.floor(this.leaseMs / 3)),
      async (keys) =>
        keys.map((k) => {
          if (this.store.get(`c:${k}`) !== this.owner) return false;
          this.store.set(`c:${k}`, this.owner, this.leaseMs);
          return true;
        }),
      () => {},
      () => {},
    );
  }

  async claim(keys: readonly string[]): Promise<ClaimState[]> {
    const out = keys.map((k): ClaimState => {
      const v = this.store.get(`c:${k}`);
      if (v === "done") return "done";
      if (v !== undefined && v !== this.owner) return "held";
      this.store.set(`c:${k}`, this.owner, this.leaseMs);
      return "claimed";
    });
    this.renewer.add(keys.filter((_, i) => out[i] === "claimed"));
    return out;
  }

  async peek(keys: readonly string[]): Promise<ClaimPeek[]> {
    return keys.map((k) => {
      const v = this.store.get(`c:${k}`);
      return v === undefined ? "free" : v === "done" ? "done" : "held";
    });
  }

  async done(keys: readonly string[]): Promise<void> {
    this.renewer.delete(keys);
    for (const k of keys) this.store.set(`c:${k}`, "done", this.doneTtlMs);
  }

  async release(keys: readonly string[]): Promise<void> {
    this.renewer.delete(keys);
    for (const k of keys) if (this.store.get(`c:${k}`) === this.owner) this.store.delete(`c:${k}`);
  }

  async writing(docKeys: readonly string[]): Promise<void> {
    for (const k of docKeys) {
      const n = Number(this.store.get(`w:${k}`) ?? 0);
      this.store.set(`w:${k}`, String(n + 1), this.writeTtlMs);
    }
  }

  async written(docKeys: readonly string[], revKeys: readonly string[]): Promise<void> {
    for (const k of revKeys) this.store.set(`e:${k}`, "1", this.doneTtlMs);
    for (const k of docKeys) {
      const n = Number(this.store.get(`w:${k}`) ?? 0) - 1;
      if (n > 0) this.store.set(`w:${k}`, String(n), this.writeTtlMs);
      else this.store.delete(`w:${k}`);
    }
  }

  async origins(docKeys: readonly string[], revKeys: readonly string[]): Promise<ChangeOrigin[]> {
    return revKeys.map((r, i) =>
      this.store.get(`e:${r}`) !== undefined
        ? "engine"
        : this.store.get(`w:${docKeys[i]}`) !== undefined
          ? "writing"
          : "other",
    );
  }

  async checkpoint(name: string): Promise<string | undefined> {
    return this.store.get(`cp:${name}`);
  }

  async advance(name: string, seq: string): Promise<void> {
    const cur = this.store.get(`cp:${name}`);
    const a = seqNumber(seq);
    const b = cur === undefined ? undefined : seqNumber(cur);
    if (a !== undefined && b !== undefined && a < b) return;
    this.store.set(`cp:${name}`, seq, this.checkpointTtlMs);
  }

  describe(): string {
    return "memory";
  }

  async close(): Promise<void> {
    this.renewer.stop();
  }
}

/**
 * Claims in this process: one server (the default; `shared: false`), or servers simulated in one
 * process sharing a `store` (tests; `shared: true`).
 */
export function memoryListenerClaims(
  opts: ClaimsTuning & { shared?: boolean; store?: MemoryClaimStore } = {},
): ListenerClaims {
  return new MemoryListenerClaims(opts.shared ?? false, opts.store ?? new MemoryClaimStore(), opts);
}

// ---- Redis -----------------------------------------------------------------------------------------

/** Redis could not be reached or answered an error. */
export class ClaimsUnavailable extends Error {
  readonly code = "claims_unavailable";
}

export interface RedisClaimsOptions extends ClaimsTuning {
  /** redis:// or rediss:// URL (user and password in it when the server needs them). */
  url: string;
  /** Prefix of the keys (several deployments can share one Redis); default "atelier:". */
  prefix?: string;
  /** Milliseconds to wait for Redis at start and for each command (default 5000). */
  timeoutMs?: number;
  /** Where connection problems are reported (once per outage). */
  onError?: (message: string) => void;
}

const CLAIM = `
local out = {}
for i, k in ipairs(KEYS) do
  if redis.call('SET', k, ARGV[1], 'NX', 'PX', ARGV[2]) then
    out[i] = 1
  else
    local v = redis.call('GET', k)
    if v == ARGV[1] then redis.call('PEXPIRE', k, ARGV[2]); out[i] = 1
    elseif v == 'done' then out[i] = 2
    elseif not v then redis.call('SET', k, ARGV[1], 'PX', ARGV[2]); out[i] = 1
    else out[i] = 3 end
  end
end
return out`;

const RENEW = `
local out = {}
for i, k in ipairs(KEYS) do
  if redis.call('GET', k) == ARGV[1] then redis.call('PEXPIRE', k, ARGV[2]); out[i] = 1 else out[i] = 0 end
end
return out`;

const DONE = `
for _, k in ipairs(KEYS) do redis.call('SET', k, 'done', 'PX', ARGV[1]) end
return 1`;

const RELEASE = `
for _, k in ipairs(KEYS) do
  if redis.call('GET', k) == ARGV[1] then redis.call('DEL', k) end
end
return 1`;

const WRITING = `
for _, k in ipairs(KEYS) do redis.call('INCR', k); redis.call('PEXPIRE', k, ARGV[1]) end
return 1`;

/** KEYS: n document keys, then the revision keys; ARGV: n, the revisions' time to live. */
const WRITTEN = `
local n = tonumber(ARGV[1])
for i, k in ipairs(KEYS) do
  if i > n then redis.call('SET', k, '1', 'PX', ARGV[2])
  else
    if redis.call('DECR', k) <= 0 then redis.call('DEL', k) end
  end
end
return 1`;

const ADVANCE = `
local cur = redis.call('GET', KEYS[1])
if cur then
  local a = string.match(ARGV[1], '^"?(%d+)')
  local b = string.match(cur, '^"?(%d+)')
  if a and b and tonumber(a) < tonumber(b) then return 0 end
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1`;

type Client = RedisClient;

export { redactedUrl };

function chunks<T>(items: readonly T[], size = KEYS_PER_CALL): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

export class RedisListenerClaims implements ListenerClaims {
  readonly shared = true;
  readonly owner: string;
  readonly leaseMs: number;
  private readonly doneTtlMs: number;
  private readonly writeTtlMs: number;
  private readonly checkpointTtlMs: number;
  private readonly renewer: Renewer;
  private closed = false;

  private constructor(
    private readonly client: Client,
    private readonly opts: RedisClaimsOptions,
    private readonly prefix: string,
    private readonly timeoutMs: number,
  ) {
    ({
      owner: this.owner,
      leaseMs: this.leaseMs,
      doneTtlMs: this.doneTtlMs,
      writeTtlMs: this.writeTtlMs,
      checkpointTtlMs: this.checkpointTtlMs,
    } = tuned(opts));
    this.renewer = new Renewer(
      Math.max(10, Math.floor(this.leaseMs / 3)),
      (keys) => this.renewAll(keys),
      (n) =>
        opts.onError?.(
          `FullSync listener claims: ${n} claim(s) of this server expired before their run ended (Redis was out of reach longer than the lease?); another server may run them again`,
        ),
      () => {
        // An outage is said once by the client's error event.
      },
    );
  }

  /** Connects to Redis (refused with a clear error when it cannot within the time limit). */
  static async connect(opts: RedisClaimsOptions): Promise<RedisListenerClaims> {
    const timeoutMs = positive(opts.timeoutMs, 5000);
    const client = await connectRedis({
      url: opts.url,
      timeoutMs,
      what: "FullSync listener claims",
      ...(opts.onError ? { onError: opts.onError } : {}),
    });
    return new RedisListenerClaims(client, opts, opts.prefix ?? "atelier:", timeoutMs);
  }

  private key(kind: string, name: string): string {
    return `${this.prefix}fsl:${kind}:${createHash("sha256").update(name).digest("base64url")}`;
  }

  private async call<T>(what: string, op: () => Promise<T>): Promise<T> {
    if (this.closed) throw new ClaimsUnavailable(`FullSync listener claims are closed (${what})`);
    try {
      return await withTimeout(op(), this.timeoutMs, "no answer in time");
    } catch (e) {
      throw new ClaimsUnavailable(
        `FullSync listener claims are unavailable (Redis at ${redactedUrl(this.opts.url)}, ${what}): ${(e as Error).message}`,
      );
    }
  }

  private async script(what: string, script: string, keys: string[], args: string[]): Promise<unknown> {
    return this.call(what, () => this.client.eval(script, { keys, arguments: args }));
  }

  /** Runs a script over claim keys, KEYS_PER_CALL at a time: its answers, one per key. */
  private async eachClaim(what: string, script: string, keys: readonly string[], args: string[]): Promise<unknown[]> {
    const out: unknown[] = [];
    for (const part of chunks(keys)) {
      const r = await this.script(
        what,
        script,
        part.map((k) => this.key("c", k)),
        args,
      );
      out.push(...(Array.isArray(r) ? (r as unknown[]) : part.map(() => r)));
    }
    return out;
  }

  async claim(keys: readonly string[]): Promise<ClaimState[]> {
    const r = await this.eachClaim("claim", CLAIM, keys, [this.owner, String(this.leaseMs)]);
    const states = r.map((x): ClaimState => (x === 1 ? "claimed" : x === 2 ? "done" : "held"));
    this.renewer.add(keys.filter((_, i) => states[i] === "claimed"));
    return states;
  }

  async peek(keys: readonly string[]): Promise<ClaimPeek[]> {
    const out: ClaimPeek[] = [];
    for (const part of chunks(keys)) {
      const r = await this.call("read", () => this.client.mGet(part.map((k) => this.key("c", k))));
      out.push(...r.map((v): ClaimPeek => (v === null || v === undefined ? "free" : v === "done" ? "done" : "held")));
    }
    return out;
  }

  async done(keys: readonly string[]): Promise<void> {
    this.renewer.delete(keys);
    await this.eachClaim("done", DONE, keys, [String(this.doneTtlMs)]);
  }

  async release(keys: readonly string[]): Promise<void> {
    this.renewer.delete(keys);
    await this.eachClaim("release", RELEASE, keys, [this.owner]);
  }

  private async renewAll(keys: string[]): Promise<boolean[]> {
    return (await this.eachClaim("renew", RENEW, keys, [this.owner, String(this.leaseMs)])).map((x) => x === 1);
  }

  async writing(docKeys: readonly string[]): Promise<void> {
    for (const part of chunks(docKeys)) {
      await this.script(
        "writing",
        WRITING,
        part.map((k) => this.key("w", k)),
        [String(this.writeTtlMs)],
      );
    }
  }

  async written(docKeys: readonly string[], revKeys: readonly string[]): Promise<void> {
    const docs = docKeys.map((k) => this.key("w", k));
    const revs = revKeys.map((k) => this.key("e", k));
    // Revisions first (their own calls when many), then the writes in progress end.
    for (const part of chunks(revs)) {
      await this.script("written", WRITTEN, part, ["0", String(this.doneTtlMs)]);
    }
    for (const part of chunks(docs)) {
      await this.script("written", WRITTEN, part, [String(part.length), String(this.doneTtlMs)]);
    }
  }

  async origins(docKeys: readonly string[], revKeys: readonly string[]): Promise<ChangeOrigin[]> {
    const out: ChangeOrigin[] = [];
    const pairs = revKeys.map((r, i) => [r, docKeys[i] ?? ""] as const);
    for (const part of chunks(pairs, KEYS_PER_CALL / 2)) {
      const keys = [...part.map(([r]) => this.key("e", r)), ...part.map(([, d]) => this.key("w", d))];
      const v = await this.call("read", () => this.client.mGet(keys));
      out.push(
        ...part.map((_, i): ChangeOrigin =>
          v[i] != null ? "engine" : v[part.length + i] != null ? "writing" : "other",
        ),
      );
    }
    return out;
  }

  async checkpoint(name: string): Promise<string | undefined> {
    const v = await this.call("read", () => this.client.get(this.key("cp", name)));
    return v ?? undefined;
  }

  async advance(name: string, seq: string): Promise<void> {
    await this.script("checkpoint", ADVANCE, [this.key("cp", name)], [seq, String(this.checkpointTtlMs)]);
  }

  describe(): string {
    return `Redis at ${redactedUrl(this.opts.url)}`;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.renewer.stop();
    await closeRedis(this.client, this.timeoutMs);
  }
}

/**
 * Claims in Redis for the servers of a cluster (`atelier server --redis URL`); `prefix`: the same
 * on every server of one deployment.
 */
export function redisListenerClaims(
  url: string,
  prefix = "atelier:",
  opts: Omit<RedisClaimsOptions, "url" | "prefix"> = {},
): Promise<RedisListenerClaims> {
  return RedisListenerClaims.connect({ ...opts, url, prefix });
}
