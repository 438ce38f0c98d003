import { ApiError } from "../../common/http/api-error.ts";
import { withTimeout, type RedisClient } from "../cluster/redis-connection.ts";
import type { JobRun } from "./run-log.ts";

/**
 * The Redis side of a cluster's scheduler: every server computes the same tick times from a job's
 * cron, and before running tick T of job J claims `<prefix>tick:J:T`; only the winner runs it.
 *
 * Keys (J: a job id, letters, digits, `_.-`; T: the tick's time in ms since the epoch):
 * - `tick:J:T` — `running|<fence>|<server>` while a server runs it (expires after the lease unless
 *   renewed), then `done|<fence>|<server>` or `skipped|0|<server>`, kept `keepTickMs`. A claim that
 *   finds it gone after a `running` expired takes the tick over (a recovery).
 * - `fence:J` — INCR'd for each claim: the fencing token. A run's result is recorded only while its
 *   tick still holds its token (or nobody's): a stale holder never records over a newer one.
 * - `busy:J` — `<fence>|<server>|<started>` while a run of J is under way anywhere (same lease): a
 *   job never overlaps itself in the cluster (a tick meanwhile is recorded as skipped, once).
 * - `runs:J` — the runs, newest first, capped (LPUSH + LTRIM).
 */

export interface TickClaim {
  job: string;
  /** The tick's time (ms); absent for a run asked for (run now). */
  tick?: number;
  fence: number;
  recovery: boolean;
  /** The value of `tick:J:T` while it runs. */
  holding?: string;
  /** The value of `busy:J` while it runs. */
  busy: string;
  /** When the run started (ISO, UTC), as `busy:J` says. */
  startedAt: string;
}

export type ClaimAnswer =
  | { kind: "won"; claim: TickClaim }
  /** Nobody ran it: J was running (here or elsewhere); the caller records the skip. */
  | { kind: "skip"; since?: string; server?: string }
  /** Another server runs it: check again after `ms` (its lease may expire: a dead server). */
  | { kind: "running"; ms: number }
  /** The tick is gone (its holder's lease expired) but J runs elsewhere: check again after `ms`. */
  | { kind: "wait"; ms: number }
  /** Done or skipped: nothing more to do. */
  | { kind: "settled" };

const CLAIM = `
local cur = redis.call('GET', KEYS[1])
if cur then
  if string.sub(cur, 1, 8) == 'running|' then return {'running', tostring(redis.call('PTTL', KEYS[1]))} end
  return {'settled', ''}
end
local busy = redis.call('GET', KEYS[2])
if busy or ARGV[4] == '1' then
  if ARGV[5] == '1' then return {'wait', tostring(redis.call('PTTL', KEYS[2]))} end
  redis.call('SET', KEYS[1], 'skipped|0|' .. ARGV[1], 'PX', ARGV[3])
  return {'skip', busy or ''}
end
local fence = redis.call('INCR', KEYS[3])
redis.call('SET', KEYS[1], 'running|' .. fence .. '|' .. ARGV[1], 'PX', ARGV[2])
redis.call('SET', KEYS[2], fence .. '|' .. ARGV[1] .. '|' .. ARGV[6], 'PX', ARGV[2])
return {'won', tostring(fence)}
`;

/** Manual runs: the job's busy key only. */
const LOCK = `
local busy = redis.call('GET', KEYS[1])
if busy then return {0, busy} end
local fence = redis.call('INCR', KEYS[2])
redis.call('SET', KEYS[1], fence .. '|' .. ARGV[1] .. '|' .. ARGV[3], 'PX', ARGV[2])
return {fence, ''}
`;

/**
 * KEYS: busy, tick (optional). ARGV: busy value, lease, tick value. 1: renewed (also when the keys
 * expired meanwhile but nobody took them: a late renewal); 0: lost (another claim holds them).
 */
const RENEW = `
local b = redis.call('GET', KEYS[1])
local t = KEYS[2] and redis.call('GET', KEYS[2])
if (b and b ~= ARGV[1]) or (t and t ~= ARGV[3]) then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
if KEYS[2] then redis.call('SET', KEYS[2], ARGV[3], 'PX', ARGV[2]) end
return 1
`;

/**
 * KEYS: busy, runs, tick (optional). ARGV: busy value, record, keep - 1, fence, server, keepTickMs.
 * A tick's run is recorded unless its tick now holds another (newer) fence; 1 recorded, 0 stale.
 */
const FINISH = `
if KEYS[3] then
  local cur = redis.call('GET', KEYS[3])
  if cur then
    local f = string.match(cur, '^%a+|(%d+)|')
    if f ~= ARGV[4] then
      if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end
      return 0
    end
  end
  redis.call('SET', KEYS[3], 'done|' .. ARGV[4] .. '|' .. ARGV[5], 'PX', ARGV[6])
end
redis.call('LPUSH', KEYS[2], ARGV[2])
redis.call('LTRIM', KEYS[2], 0, tonumber(ARGV[3]))
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end
return 1
`;

/** Records read for a job's last run (skipped ticks are not last runs). */
const LAST_SCAN = 100;

function parse(json: string): JobRun | undefined {
  try {
    const r = JSON.parse(json) as JobRun;
    return r && typeof r === "object" && typeof r.job === "string" && typeof r.at === "string" ? r : undefined;
  } catch {
    return undefined;
  }
}

export interface ClusterTicksOptions {
  /** This server's name in claims and records. */
  server: string;
  /** How long a claim holds without renewal; renewed every third of it while the run lasts. */
  leaseMs: number;
  /** How long a settled tick is remembered (so that no late server runs it again). */
  keepTickMs: number;
  /** Runs kept per job. */
  keep: number;
  timeoutMs?: number;
}

export class ClusterTicks {
  readonly file: string;
  private readonly timeoutMs: number;

  constructor(
    private readonly client: RedisClient,
    private readonly prefix: string,
    readonly opts: ClusterTicksOptions,
  ) {
    this.file = `Redis (${prefix}runs:<job>)`;
    this.timeoutMs = opts.timeoutMs ?? 5000;
  }

  private key(kind: "tick" | "fence" | "busy" | "runs", job: string, tick?: number): string {
    return `${this.prefix}${kind}:${job}${tick === undefined ? "" : `:${tick}`}`;
  }

  /** A Redis command; a failure is a 503 `cluster_state_unavailable` (as the shared documents say). */
  private async call<T>(op: Promise<T>): Promise<T> {
    try {
      return await withTimeout(op, this.timeoutMs, "no answer in time");
    } catch (e) {
      throw new ApiError(
        503,
        "cluster_state_unavailable",
        `The cluster's scheduler state is unavailable (Redis): ${(e as Error).message}`,
      );
    }
  }

  /**
   * Claims tick `tick` of `job`. `localBusy`: this server runs the job now (the tick is skipped).
   * `recovery`: a check after a holder's lease: takes the tick over if it expired, never skips it.
   */
  async claim(job: string, tick: number, opts: { localBusy: boolean; recovery: boolean; startedAt: string }) {
    const { server, leaseMs, keepTickMs } = this.opts;
    const [kind, value] = (await this.call(
      this.client.eval(CLAIM, {
        keys: [this.key("tick", job, tick), this.key("busy", job), this.key("fence", job)],
        arguments: [
          server,
          String(leaseMs),
          String(keepTickMs),
          opts.localBusy ? "1" : "0",
          opts.recovery ? "1" : "0",
          opts.startedAt,
        ],
      }),
    )) as [string, string];
    const ms = (pttl: string) => Math.max(Number(pttl) || 0, 0) + 50;
    switch (kind) {
      case "won": {
        const fence = Number(value);
        return {
          kind: "won",
          claim: {
            job,
            tick,
            fence,
            recovery: opts.recovery,
            holding: `running|${fence}|${server}`,
            busy: `${fence}|${server}|${opts.startedAt}`,
            startedAt: opts.startedAt,
          },
        } satisfies ClaimAnswer;
      }
      case "skip": {
        const [, other, since] = value.split("|");
        return { kind: "skip", ...(other ? { server: other, since } : {}) } satisfies ClaimAnswer;
      }
      case "running":
        return { kind: "running", ms: ms(value) } satisfies ClaimAnswer;
      case "wait":
        return { kind: "wait", ms: ms(value) } satisfies ClaimAnswer;
      default:
        return { kind: "settled" } satisfies ClaimAnswer;
    }
  }

  /** A run asked for: holds the job's busy key (undefined with who runs it when it is taken). */
  async lock(job: string, startedAt: string): Promise<TickClaim | { server: string; since: string }> {
    const { server, leaseMs } = this.opts;
    const [fence, busy] = (await this.call(
      this.client.eval(LOCK, {
        keys: [this.key("busy", job), this.key("fence", job)],
        arguments: [server, String(leaseMs), startedAt],
      }),
    )) as [number, string];
    if (!fence) {
      const [, other = "?", since = "?"] = busy.split("|");
      return { server: other, since };
    }
    return { job, fence, recovery: false, busy: `${fence}|${server}|${startedAt}`, startedAt };
  }

  /** Extends the lease of a run under way; false when it is no longer this run's (lost). */
  async renew(c: TickClaim): Promise<boolean> {
    const keys = [this.key("busy", c.job)];
    if (c.tick !== undefined) keys.push(this.key("tick", c.job, c.tick));
    const r = await this.call(
      this.client.eval(RENEW, { keys, arguments: [c.busy, String(this.opts.leaseMs), c.holding ?? ""] }),
    );
    return r === 1;
  }

  /** Records a claimed run's result and settles its tick; false when a newer holder has it (stale). */
  async finish(c: TickClaim, record: JobRun): Promise<boolean> {
    const keys = [this.key("busy", c.job), this.key("runs", c.job)];
    if (c.tick !== undefined) keys.push(this.key("tick", c.job, c.tick));
    const r = await this.call(
      this.client.eval(FINISH, {
        keys,
        arguments: [
          c.busy,
          JSON.stringify(record),
          String(this.opts.keep - 1),
          String(c.fence),
          this.opts.server,
          String(this.opts.keepTickMs),
        ],
      }),
    );
    return r === 1;
  }

  /** When the jobs running now (on any server) started, by job id. */
  async runningSince(jobs: string[]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    if (jobs.length === 0) return out;
    const values = await this.call(this.client.mGet(jobs.map((j) => this.key("busy", j))));
    jobs.forEach((job, i) => {
      const since = values[i]?.split("|")[2];
      if (since) out.set(job, since);
    });
    return out;
  }

  /** Appends a record (a skipped tick). */
  async append(record: JobRun): Promise<void> {
    const key = this.key("runs", record.job);
    await this.call(
      this.client
        .multi()
        .lPush(key, JSON.stringify(record))
        .lTrim(key, 0, this.opts.keep - 1)
        .exec(),
    );
  }

  /** The last `n` records of a job, oldest first. */
  async last(job: string, n: number, opts: { skipped?: boolean } = {}): Promise<JobRun[]> {
    if (n <= 0) return [];
    const out: JobRun[] = [];
    const lines = await this.call(this.client.lRange(this.key("runs", job), 0, Math.min(n, this.opts.keep) - 1));
    for (const line of lines) {
      const r = parse(line);
      if (r && r.job === job && (opts.skipped !== false || !r.skipped)) out.push(r);
    }
    return out.reverse();
  }

  /** The last record (skipped ticks left out, among the last 100) of each of these jobs that has one. */
  async lastOf(jobs: Iterable<string>): Promise<Map<string, JobRun>> {
    const ids = [...new Set(jobs)];
    const found = new Map<string, JobRun>();
    if (ids.length === 0) return found;
    const m = this.client.multi();
    for (const id of ids) m.lRange(this.key("runs", id), 0, LAST_SCAN - 1);
    const answers = (await this.call(m.exec())) as unknown as string[][];
    ids.forEach((id, i) => {
      for (const line of answers[i] ?? []) {
        const r = parse(line);
        if (r && r.job === id && !r.skipped) {
          found.set(id, r);
          break;
        }
      }
    });
    return found;
  }

  async flush(): Promise<void> {}
}
