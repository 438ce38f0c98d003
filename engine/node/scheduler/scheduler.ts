import { Cron } from "croner";
import { watch, type FSWatcher } from "node:fs";
import { mkdir } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { ApiError } from "../../common/http/api-error.ts";
import { isPlainObject } from "../../common/model/props.ts";
import { JsonFile } from "../admin/json-file.ts";
import { RedisDocs, type DocStore, type SharedDoc } from "../cluster/shared-docs.ts";
import type { Engine } from "../engine.ts";
import type { EngineLog } from "../log.ts";
import { ClusterTicks, type TickClaim } from "./cluster-ticks.ts";
import { RunLog, type JobRun } from "./run-log.ts";

export type { JobRun } from "./run-log.ts";

/** A scheduled job: a sequence of a project run with these inputs on a cron schedule. */
export interface Job {
  /** Letters, digits, `_`, `.`, `-`; at most 64. */
  id: string;
  project: string;
  sequence: string;
  /** A 5-field (minute precision) or 6-field (seconds first) cron expression, croner's syntax. */
  cron: string;
  /** The IANA time zone the expression is read in. */
  timezone: string;
  inputs: Record<string, string>;
  paused: boolean;
  /** ISO, UTC. */
  createdAt: string;
}

/** What `create` takes: a job without its creation time, the id, time zone, inputs and pause optional. */
export interface NewJob {
  /** Default: made from the project and sequence names (`Demo.Greet`, then `Demo.Greet-2`...). */
  id?: string;
  project: string;
  sequence: string;
  cron: string;
  /** Default: the scheduler's time zone. */
  timezone?: string;
  inputs?: Record<string, string>;
  paused?: boolean;
}

/** What `update` may change. `inputs` replaces the whole map. */
export interface JobChanges {
  cron?: string;
  timezone?: string;
  inputs?: Record<string, string>;
  paused?: boolean;
}

/** A job as `list` and `get` answer it. */
export interface JobStatus extends Job {
  /** The next time the schedule fires, ISO with the job's time zone offset (Z at offset 0); absent when paused. */
  nextRun?: string;
  running: boolean;
  /** When the run under way started (ISO, UTC). */
  runningSince?: string;
  /** The last run (skipped ticks left out). */
  lastRun?: JobRun;
}

/** What the owner's run of a job answers; a thrown exception counts as `{ok: false, error: its message}`. */
export interface JobRunResult {
  ok: boolean;
  error?: string;
}

/** What a cluster's scheduler tells a run (nothing is passed to the runner of a scheduler alone). */
export interface JobRunInfo {
  /** The server running it. */
  server: string;
  /** The tick it runs (absent for a run asked for). */
  tick?: Date;
  /** The fencing token of its claim. */
  fence: number;
  /** Taken over from a server whose lease expired mid-run. */
  recovery: boolean;
}

/** Runs a job's sequence; should stop when `signal` aborts (time limit, scheduler stopped, claim lost). */
export type JobRunner = (job: Job, signal: AbortSignal, info?: JobRunInfo) => Promise<JobRunResult>;

/** Answers why a project's sequence cannot be scheduled (unknown project or sequence), or undefined. */
export type JobTargetCheck = (project: string, sequence: string) => string | undefined;

export interface SchedulerOptions {
  /** The jobs (one JSON file, written atomically, owner-only). */
  jobsFile: string;
  /** The runs (JSON lines, appended; bounded by `keepRuns`). */
  runsFile: string;
  run: JobRunner;
  /** Called on create and update (not on a pause); its message refuses the job. */
  check?: JobTargetCheck;
  /** The time zone of jobs created without one (default "UTC"). */
  timezone?: string;
  /** A run's time limit, after which its signal aborts (default 10 min). */
  timeLimitMs?: number;
  /** Runs kept in the runs file (it holds at most twice this many; default 10,000). */
  keepRuns?: number;
  /** How long `close()` waits for runs under way before aborting them (default 30 s). */
  stopTimeoutMs?: number;
  /** How long `close()` waits for aborted runs to end (default 5 s). */
  abortGraceMs?: number;
  /**
   * Once started, watch the jobs file and reload it when another process (the CLI) changes it
   * (default false; `reload()` does it on demand).
   */
  watch?: boolean;
  /** The clock (ms since the epoch) for `createdAt`, run times and `nextRun`; the timers use real time. */
  now?: () => number;
  log?: Pick<EngineLog, "info" | "warn" | "error">;
  /**
   * Where the jobs document lives (default: `jobsFile` alone, the same as FileDocs). A shared store
   * (RedisDocs) makes this the scheduler of one server of a cluster: the jobs are the cluster's
   * (every server follows their changes at once, `watch` is not needed), the runs are kept in Redis
   * (`runsFile` unused; `keepRuns` per job), and each tick is claimed so that it runs once in the
   * cluster (see `ClusterTicks`).
   */
  docs?: DocStore;
  /** In a cluster (a shared `docs`): this server and its claims. */
  cluster?: ClusterOptions;
}

export interface ClusterOptions {
  /** This server's name in claims and records (default: host name and process id). */
  server?: string;
  /** How long a claim holds unless renewed (every third of it while the run lasts; default 30 s). */
  leaseMs?: number;
  /** How long a settled tick is remembered (default 10 min, at least 3 leases). */
  keepTickMs?: number;
}

/** Where runs are recorded: a file (one server) or Redis (a cluster). */
export type RunStore = Pick<RunLog, "file" | "append" | "last" | "lastOf" | "flush">;

/** The files of the jobs kept in a folder: `jobs.json` and `job-runs.jsonl` (a workspace's: `<workspace>/.atelier`). */
export function jobFiles(dir: string): { jobsFile: string; runsFile: string } {
  return { jobsFile: path.join(dir, "jobs.json"), runsFile: path.join(dir, "job-runs.jsonl") };
}

export const JOB_ID_RE = /^[A-Za-z0-9_.-]{1,64}$/;
const CRON_MODE = "5-or-6-parts" as const;
const MAX_INPUTS = 100;
const MAX_RUNS_READ = 10_000;
const MAX_INPUT_LENGTH = 65_536;
const MAX_ERROR_LENGTH = 4000;
const JOB_KEYS = new Set(["id", "project", "sequence", "cron", "timezone", "inputs", "paused"]);
const CHANGE_KEYS = new Set(["cron", "timezone", "inputs", "paused"]);
const CRON_SHAPE =
  'A cron expression has 5 fields, "minute hour day-of-month month day-of-week" (e.g. "0 9 * * 1-5": 09:00 from Monday to Friday), ' +
  'or 6 with seconds first (e.g. "*/30 * * * * *": every 30 seconds).';

interface JobsDoc {
  version: 1;
  jobs: Job[];
}

interface Running {
  startedAt: string;
  controller: AbortController;
  timer: NodeJS.Timeout | undefined;
  /** Why the signal aborted. */
  reason?: "timeout" | "stop" | "lost";
  done: Promise<JobRun>;
  /** A cluster's run: its claim, renewed by `renewer`. */
  claim?: TickClaim;
  renewer?: NodeJS.Timeout;
}

/** Claims waited on (a tick run by another server, checked again after its lease), at most. */
const MAX_WATCHES = 10_000;
/** A cluster's scheduler reads the jobs again this often, should a change's message be lost. */
const CLUSTER_RESYNC_MS = 30_000;

function invalid(field: string, message: string): ApiError {
  return new ApiError(400, "invalid_job", `${field}: ${message}`, { field });
}

function messageOf(e: unknown): string {
  if (e instanceof Error) return e.message || e.name;
  if (typeof e === "string") return e;
  try {
    return JSON.stringify(e) ?? String(e);
  } catch {
    return String(e);
  }
}

function truncate(text: string, max = MAX_ERROR_LENGTH): string {
  return text.length > max ? text.slice(0, max - 1) + "…" : text;
}

/** "10 min", "30 s", "250 ms". */
export function formatDuration(ms: number): string {
  if (ms >= 60_000 && ms % 60_000 === 0) return `${ms / 60_000} min`;
  if (ms >= 1000 && ms % 1000 === 0) return `${ms / 1000} s`;
  return `${ms} ms`;
}

/** Checks an IANA time zone name; answers it, or throws a 400 naming the field. */
export function checkTimezone(tz: unknown, field = "timezone"): string {
  if (typeof tz !== "string" || tz.trim() === "")
    throw invalid(field, 'give an IANA time zone name, e.g. "UTC", "Europe/Paris" or "America/New_York"');
  const name = tz.trim();
  try {
    if (name.length > 100) throw new RangeError("too long");
    new Intl.DateTimeFormat("en-US", { timeZone: name });
  } catch {
    throw invalid(
      field,
      `"${truncate(name, 100)}" is not a known IANA time zone (e.g. "UTC", "Europe/Paris", "America/New_York")`,
    );
  }
  return name;
}

/**
 * Checks a cron expression (5 or 6 fields, croner's syntax) read in a time zone; answers it with
 * its fields separated by single spaces, or throws a 400 naming the field, saying why and what a
 * valid expression looks like.
 */
export function checkCron(expr: unknown, timezone: string, now = Date.now()): string {
  if (typeof expr !== "string" || expr.trim() === "") throw invalid("cron", `give a cron expression. ${CRON_SHAPE}`);
  if (expr.length > 200) throw invalid("cron", `the expression is too long (${expr.length} characters, at most 200)`);
  const fields = expr.trim().split(/\s+/);
  if (fields.length !== 5 && fields.length !== 6)
    throw invalid(
      "cron",
      `"${expr}" has ${fields.length} field${fields.length === 1 ? "" : "s"}, not 5 or 6. ${CRON_SHAPE}`,
    );
  const normal = fields.join(" ");
  let next: Date | null;
  try {
    next = new Cron(normal, { mode: CRON_MODE, timezone }).nextRun(new Date(now));
  } catch (e) {
    throw invalid("cron", `"${expr}" is not valid: ${messageOf(e).replace(/^CronPattern:\s*/, "")}. ${CRON_SHAPE}`);
  }
  if (!next) throw invalid("cron", `"${expr}" never matches a date (such as the 30th of February)`);
  return normal;
}

const offsetFormats = new Map<string, Intl.DateTimeFormat>();

/** A time as ISO 8601 in a time zone: the local wall time and its offset ("Z" at offset 0). */
export function isoInZone(date: Date, timezone: string): string {
  let f = offsetFormats.get(timezone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone: timezone,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
      timeZoneName: "longOffset",
    });
    offsetFormats.set(timezone, f);
  }
  const p: Record<string, string> = {};
  for (const part of f.formatToParts(date)) p[part.type] = part.value;
  const offset = (p.timeZoneName ?? "GMT").replace(/^GMT/, "").replace(/^[+-]00:00$/, "") || "Z";
  return `${p.year}-${p.month}-${p.day}T${p.hour}:${p.minute}:${p.second}${offset}`;
}

function checkName(field: "project" | "sequence", v: unknown): string {
  if (typeof v !== "string" || v.trim() === "") throw invalid(field, `give the ${field}'s name`);
  // eslint-disable-next-line no-control-regex
  if (v.length > 200 || /[\u0000-\u001f\u007f]/.test(v)) throw invalid(field, `"${truncate(v, 60)}" is not a name`);
  return v;
}

function checkInputs(v: unknown): Record<string, string> {
  if (v === undefined) return {};
  if (!isPlainObject(v)) throw invalid("inputs", "give the inputs as an object of names and text values");
  const names = Object.keys(v);
  if (names.length > MAX_INPUTS) throw invalid("inputs", `${names.length} inputs, at most ${MAX_INPUTS}`);
  const out: Record<string, string> = {};
  for (const name of names) {
    const value = v[name];
    if (name === "" || name.length > 200) throw invalid("inputs", `"${truncate(name, 60)}" is not an input name`);
    if (typeof value !== "string") throw invalid(`inputs.${name}`, "an input's value must be text");
    if (value.length > MAX_INPUT_LENGTH)
      throw invalid(
        `inputs.${name}`,
        `the value is too long (${value.length} characters, at most ${MAX_INPUT_LENGTH})`,
      );
    out[name] = value;
  }
  return out;
}

function checkPaused(v: unknown): boolean {
  if (v === undefined) return false;
  if (typeof v !== "boolean") throw invalid("paused", "must be true or false");
  return v;
}

function checkKeys(value: object, allowed: Set<string>, what: string): void {
  for (const k of Object.keys(value)) {
    if (allowed.has(k)) continue;
    if (what === "changes" && (k === "project" || k === "sequence" || k === "id"))
      throw invalid(k, `a job's ${k} cannot change: remove the job and create another`);
    throw invalid(k, `unknown field; a job has ${[...allowed].join(", ")}`);
  }
}

/** An id from the project and sequence names, free among `taken`. */
function defaultId(project: string, sequence: string, taken: Set<string>): string {
  const base =
    `${project}.${sequence}`
      .replace(/[^A-Za-z0-9_.-]+/g, "-")
      .replace(/^-+|-+$/g, "")
      .slice(0, 56) || "job";
  if (!taken.has(base)) return base;
  for (let i = 2; ; i++) if (!taken.has(`${base}-${i}`)) return `${base}-${i}`;
}

function checkJobsDoc(file: string): (v: unknown) => JobsDoc {
  return (v) => {
    if (!isPlainObject(v) || !Array.isArray(v.jobs)) throw new Error(`${file} must hold {"jobs": [...]}`);
    v.jobs.forEach((j: unknown, i) => {
      const ok =
        isPlainObject(j) &&
        typeof j.id === "string" &&
        typeof j.project === "string" &&
        typeof j.sequence === "string" &&
        typeof j.cron === "string" &&
        typeof j.timezone === "string" &&
        isPlainObject(j.inputs) &&
        Object.values(j.inputs).every((x) => typeof x === "string") &&
        typeof j.paused === "boolean" &&
        typeof j.createdAt === "string";
      if (!ok)
        throw new Error(
          `${file}: job ${i + 1}${isPlainObject(j) && typeof j.id === "string" ? ` ("${j.id}")` : ""} is damaged ` +
            "(it needs id, project, sequence, cron, timezone, inputs, paused, createdAt): fix or remove it",
        );
    });
    return { version: 1, jobs: v.jobs as Job[] };
  };
}

/** Waits for promises, at most `ms`; answers whether they all settled. Leaves no timer behind. */
async function settleWithin(promises: Promise<unknown>[], ms: number): Promise<boolean> {
  if (promises.length === 0) return true;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([Promise.allSettled(promises).then(() => true as const), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Jobs that run a sequence with given inputs on a cron schedule (croner), for a developer's
 * workspace and for the server. The jobs file is the truth: every change reads it, changes it and
 * writes it (one change at a time), then the timers are set to match. A job never overlaps
 * itself (a tick while it runs is recorded as skipped), a failing job does not stop the others,
 * a run has a time limit, and `close()` leaves no timer and no run behind.
 *
 * Before `start()` (and after `close()`) no timer is set: the CLI edits jobs and runs them at once
 * with an unstarted scheduler.
 */
export class Scheduler {
  readonly timezone: string;
  readonly timeLimitMs: number;
  readonly runLog: RunStore;
  /** This server's name in a cluster (undefined alone). */
  readonly server: string | undefined;
  private readonly jobs: SharedDoc<JobsDoc>;
  private readonly ticks: ClusterTicks | undefined;
  private readonly watches = new Map<string, NodeJS.Timeout>();
  private unsubscribe: (() => void) | undefined;
  /** Claims fail (Redis unreachable): said once, until one succeeds again. */
  private claimsFailing = false;
  private resyncTimer: NodeJS.Timeout | undefined;
  private readonly now: () => number;
  private readonly log: Pick<EngineLog, "info" | "warn" | "error"> | undefined;
  private state: "idle" | "started" | "stopped" = "idle";
  private readonly armed = new Map<string, { job: Job; cron: Cron }>();
  private readonly running = new Map<string, Running>();
  private queue: Promise<unknown> = Promise.resolve();
  private stopping: Promise<void> | undefined;
  private watcher: FSWatcher | undefined;
  private reloadTimer: NodeJS.Timeout | undefined;

  constructor(private readonly opts: SchedulerOptions) {
    this.timezone = checkTimezone(opts.timezone ?? "UTC", "timezone (the scheduler's default)");
    this.timeLimitMs = opts.timeLimitMs ?? 10 * 60_000;
    if (!Number.isFinite(this.timeLimitMs) || this.timeLimitMs <= 0 || this.timeLimitMs > 2 ** 31 - 1)
      throw new Error("Scheduler: timeLimitMs must be a positive number of milliseconds (at most 24 days)");
    const empty = (): JobsDoc => ({ version: 1, jobs: [] });
    if (opts.docs?.shared) {
      if (!(opts.docs instanceof RedisDocs)) throw new Error("Scheduler: a cluster's scheduler needs RedisDocs");
      const c = opts.cluster ?? {};
      const leaseMs = c.leaseMs ?? 30_000;
      if (!Number.isInteger(leaseMs) || leaseMs < 100 || leaseMs > 86_400_000)
        throw new Error("Scheduler: cluster.leaseMs must be a whole number of milliseconds from 100 to a day");
      const keepTickMs = c.keepTickMs ?? Math.max(600_000, 3 * leaseMs);
      if (!Number.isInteger(keepTickMs) || keepTickMs < 3 * leaseMs)
        throw new Error("Scheduler: cluster.keepTickMs must be a whole number of milliseconds, at least 3 leases");
      this.server = c.server ?? `${os.hostname()}:${process.pid}`;
      this.ticks = new ClusterTicks(opts.docs.client, opts.docs.prefix, {
        server: this.server,
        leaseMs,
        keepTickMs,
        keep: opts.keepRuns ?? 10_000,
      });
      this.runLog = this.ticks;
    } else {
      this.runLog = new RunLog(opts.runsFile, opts.keepRuns ?? 10_000);
    }
    this.jobs = opts.docs
      ? opts.docs.doc("jobs", opts.jobsFile, empty, checkJobsDoc(opts.jobsFile))
      : new JsonFile(opts.jobsFile, empty, checkJobsDoc(opts.jobsFile));
    this.now = opts.now ?? Date.now;
    this.log = opts.log;
  }

  /** Sets the timers of the jobs not paused. */
  start(): Promise<void> {
    return this.serial(async () => {
      if (this.state === "stopped") throw new Error("This scheduler was stopped: create another");
      if (this.state === "started") return;
      const doc = await this.jobs.read();
      if (this.stopping) return; // stopped meanwhile
      this.state = "started";
      this.sync(doc.jobs);
      if (this.ticks) this.followCluster();
      else if (this.opts.watch) await this.watchJobsFile();
    });
  }

  /**
   * Stops every timer and waits for the runs under way: up to `stopTimeoutMs`, then aborts them
   * and waits up to `abortGraceMs` more. Afterwards nothing of the scheduler is left running, and
   * it cannot start again (idempotent: every call answers the same promise).
   */
  close(): Promise<void> {
    this.stopping ??= (async () => {
      this.state = "stopped";
      this.watcher?.close();
      this.watcher = undefined;
      clearTimeout(this.reloadTimer);
      this.unsubscribe?.();
      clearInterval(this.resyncTimer);
      for (const t of this.watches.values()) clearTimeout(t);
      this.watches.clear();
      for (const a of this.armed.values()) a.cron.stop();
      this.armed.clear();
      await this.queue;
      const waitRuns = (ms: number) =>
        settleWithin(
          [...this.running.values()].map((r) => r.done),
          ms,
        );
      if (!(await waitRuns(this.opts.stopTimeoutMs ?? 30_000))) {
        for (const r of this.running.values()) {
          r.reason ??= "stop";
          clearTimeout(r.timer);
          r.controller.abort(new Error("the scheduler stopped"));
        }
        if (!(await waitRuns(this.opts.abortGraceMs ?? 5000))) {
          this.log?.error(`Scheduler stopped with ${this.running.size} run(s) that ignored their abort signal`);
          // A cluster: their claims are no longer renewed, so that another server takes their ticks over.
          for (const r of this.running.values()) clearInterval(r.renewer);
        }
      }
      await this.runLog.flush();
    })();
    return this.stopping;
  }

  /** Reads the jobs file again (changed by another process, e.g. the CLI) and sets the timers to match. */
  reload(): Promise<void> {
    return this.serial(async () => this.sync((await this.jobs.read()).jobs));
  }

  /** Every job, with its next run, whether it runs, and its last run. */
  async list(): Promise<JobStatus[]> {
    const { jobs } = await this.jobs.read();
    const ids = jobs.map((j) => j.id);
    const [last, busy] = await Promise.all([this.lastRuns(ids), this.runningInCluster(ids)]);
    return jobs.map((j) => this.status(j, last.get(j.id), busy.get(j.id)));
  }

  /** One job (404 when unknown). */
  async get(id: string): Promise<JobStatus> {
    const job = await this.require(id);
    const [last, busy] = await Promise.all([this.lastRuns([id]), this.runningInCluster([id])]);
    return this.status(job, last.get(id), busy.get(id));
  }

  /** Creates a job (400 invalid, 409 when the id is taken). */
  async create(spec: NewJob): Promise<JobStatus> {
    if (!isPlainObject(spec)) throw invalid("job", "give the job as an object");
    checkKeys(spec, JOB_KEYS, "job");
    if (spec.id !== undefined && (typeof spec.id !== "string" || !JOB_ID_RE.test(spec.id)))
      throw invalid(
        "id",
        `"${truncate(String(spec.id), 80)}" is not a job id: 1 to 64 letters, digits, "_", "." or "-"`,
      );
    const project = checkName("project", spec.project);
    const sequence = checkName("sequence", spec.sequence);
    const timezone = spec.timezone === undefined ? this.timezone : checkTimezone(spec.timezone);
    const cron = checkCron(spec.cron, timezone, this.now());
    const inputs = checkInputs(spec.inputs);
    const paused = checkPaused(spec.paused);
    this.checkTarget(project, sequence);
    return this.serial(async () => {
      const doc = await this.jobs.update((d) => {
        const taken = new Set(d.jobs.map((j) => j.id));
        const id = spec.id ?? defaultId(project, sequence, taken);
        if (taken.has(id))
          throw new ApiError(409, "job_exists", `id: a job named "${id}" already exists; choose another id`, {
            field: "id",
          });
        const job: Job = {
          id,
          project,
          sequence,
          cron,
          timezone,
          inputs,
          paused,
          createdAt: new Date(this.now()).toISOString(),
        };
        d.jobs.push(job);
        return { d, job };
      });
      this.sync(doc.d.jobs);
      return this.status(doc.job, undefined);
    });
  }

  /** Changes a job's cron, time zone, inputs or pause (404 unknown, 400 invalid). */
  async update(id: string, changes: JobChanges): Promise<JobStatus> {
    if (!isPlainObject(changes)) throw invalid("changes", "give the changes as an object");
    checkKeys(changes, CHANGE_KEYS, "changes");
    const tz = changes.timezone === undefined ? undefined : checkTimezone(changes.timezone);
    const inputs = changes.inputs === undefined ? undefined : checkInputs(changes.inputs);
    const paused = changes.paused === undefined ? undefined : checkPaused(changes.paused);
    const onlyPausing = Object.keys(changes).every((k) => k === "paused") && paused !== false;
    return this.serial(async () => {
      const { d, job } = await this.jobs.update((d) => {
        const i = d.jobs.findIndex((j) => j.id === id);
        const old = d.jobs[i];
        if (!old) throw this.unknown(id);
        const timezone = tz ?? old.timezone;
        const cron =
          changes.cron !== undefined || tz !== undefined
            ? checkCron(changes.cron ?? old.cron, timezone, this.now())
            : old.cron;
        if (!onlyPausing) this.checkTarget(old.project, old.sequence);
        const job: Job = { ...old, cron, timezone, inputs: inputs ?? old.inputs, paused: paused ?? old.paused };
        d.jobs[i] = job;
        return { d, job };
      });
      this.sync(d.jobs);
      const [last, busy] = await Promise.all([this.lastRuns([id]), this.runningInCluster([id])]);
      return this.status(job, last.get(id), busy.get(id));
    });
  }

  pause(id: string): Promise<JobStatus> {
    return this.update(id, { paused: true });
  }

  resume(id: string): Promise<JobStatus> {
    return this.update(id, { paused: false });
  }

  /** Removes a job (404 when unknown). A run under way finishes and is recorded. */
  remove(id: string): Promise<void> {
    return this.serial(async () => {
      const d = await this.jobs.update((d) => {
        const i = d.jobs.findIndex((j) => j.id === id);
        if (i < 0) throw this.unknown(id);
        d.jobs.splice(i, 1);
        return d;
      });
      this.sync(d.jobs);
    });
  }

  /**
   * Runs a job now, paused or not, and answers its record once it ends (404 unknown, 409 when it
   * is already running, 503 once the scheduler is stopped).
   */
  async runNow(id: string): Promise<JobRun> {
    this.refuseStopped();
    const job = await this.require(id);
    this.refuseStopped();
    const r = this.running.get(id);
    if (r)
      throw new ApiError(
        409,
        "job_running",
        `The job "${id}" is already running (since ${r.startedAt}); a job never runs twice at once: wait for it to end`,
        { since: r.startedAt },
      );
    if (!this.ticks) return this.execute(job, true);
    // A cluster: no tick to claim, but the job must not be running on another server.
    const lock = await this.ticks.lock(id, new Date(this.now()).toISOString());
    if (!("fence" in lock))
      throw new ApiError(
        409,
        "job_running",
        `The job "${id}" is already running (on ${lock.server}, since ${lock.since}); a job never runs twice at once: wait for it to end`,
        { since: lock.since },
      );
    return this.execute(job, true, lock);
  }

  /** The last `n` (1 to 10,000) runs of a job (skipped ticks included), oldest first (404 when the job is unknown). */
  async runs(id: string, n = 20): Promise<JobRun[]> {
    if (!Number.isInteger(n) || n < 1 || n > MAX_RUNS_READ)
      throw invalid("n", `the number of runs must be from 1 to ${MAX_RUNS_READ}`);
    const job = await this.require(id);
    return (await this.runLog.last(id, n)).filter((r) => r.at >= job.createdAt);
  }

  /** Whether a job is running now (in this process). */
  isRunning(id: string): boolean {
    return this.running.has(id);
  }

  /** Whether a job's timer is set (in this process): started, and the job known and not paused. */
  isScheduled(id: string): boolean {
    return this.armed.has(id);
  }

  /** A cluster: reloads the jobs when any server changes them (and every 30 s, should a message be lost). */
  private followCluster(): void {
    const reload = () => {
      if (this.state !== "started") return;
      this.reload().catch((e: unknown) =>
        this.log?.error(`Scheduler: cannot read the cluster's jobs: ${messageOf(e)}`),
      );
    };
    this.unsubscribe = this.opts.docs!.onChange((name) => {
      if (name === "jobs") reload();
    });
    this.resyncTimer = setInterval(reload, CLUSTER_RESYNC_MS);
    this.resyncTimer.unref();
  }

  /** Reloads the jobs shortly after their file changes (it is replaced by a rename: the folder is watched). */
  private async watchJobsFile(): Promise<void> {
    const dir = path.dirname(this.opts.jobsFile);
    const name = path.basename(this.opts.jobsFile);
    try {
      await mkdir(dir, { recursive: true });
      if (this.state !== "started") return;
      this.watcher = watch(dir, (_event, file) => {
        if (file !== name || this.state !== "started") return;
        clearTimeout(this.reloadTimer);
        this.reloadTimer = setTimeout(() => {
          this.reload().catch((e: unknown) => this.log?.error(`Scheduler: cannot reload ${name}: ${messageOf(e)}`));
        }, 50);
      });
      this.watcher.on("error", (e) => this.log?.error(`Scheduler: stopped watching ${name}: ${messageOf(e)}`));
    } catch (e) {
      this.log?.error(`Scheduler: cannot watch ${this.opts.jobsFile}: ${messageOf(e)}`);
    }
  }

  private serial<R>(fn: () => Promise<R>): Promise<R> {
    const next = this.queue.then(fn);
    this.queue = next.catch(() => undefined);
    return next;
  }

  private refuseStopped(): void {
    if (this.state === "stopped")
      throw new ApiError(503, "scheduler_stopped", "The scheduler is stopped: no job runs until it starts again");
  }

  private unknown(id: string): ApiError {
    return new ApiError(404, "unknown_job", `There is no job named "${truncate(id, 80)}"`, { id });
  }

  private async require(id: string): Promise<Job> {
    const job = (await this.jobs.read()).jobs.find((j) => j.id === id);
    if (!job) throw this.unknown(id);
    return job;
  }

  private checkTarget(project: string, sequence: string): void {
    const problem = this.opts.check?.(project, sequence);
    if (problem)
      throw new ApiError(400, "invalid_job", `project "${project}", sequence "${sequence}": ${problem}`, {
        field: "sequence",
      });
  }

  private async lastRuns(ids: string[]): Promise<Map<string, JobRun>> {
    try {
      return await this.runLog.lastOf(ids);
    } catch (e) {
      this.log?.error(`Scheduler: cannot read ${this.runLog.file}: ${messageOf(e)}`);
      return new Map();
    }
  }

  /** A cluster: when the jobs running on any server started (alone: none). */
  private async runningInCluster(ids: string[]): Promise<Map<string, string>> {
    if (!this.ticks) return new Map();
    try {
      return await this.ticks.runningSince(ids);
    } catch (e) {
      this.log?.error(`Scheduler: cannot read which jobs run in the cluster: ${messageOf(e)}`);
      return new Map();
    }
  }

  /** `since`: when the run under way on another server of the cluster started. */
  private status(job: Job, last: JobRun | undefined, since?: string): JobStatus {
    const r = this.running.get(job.id);
    const next = job.paused ? undefined : this.nextRun(job);
    const runningSince = r?.startedAt ?? since;
    return {
      ...job,
      ...(next ? { nextRun: next } : {}),
      running: runningSince !== undefined,
      ...(runningSince !== undefined ? { runningSince } : {}),
      // A run recorded before the job was created belongs to a removed job of the same id.
      ...(last && last.at >= job.createdAt ? { lastRun: last } : {}),
    };
  }

  private nextRun(job: Job): string | undefined {
    try {
      const next = new Cron(job.cron, { mode: CRON_MODE, timezone: job.timezone }).nextRun(new Date(this.now()));
      return next ? isoInZone(next, job.timezone) : undefined;
    } catch {
      return undefined;
    }
  }

  /** Sets the timers to match the jobs (only once started). */
  private sync(jobs: Job[]): void {
    const byId = new Map(jobs.map((j) => [j.id, j]));
    for (const [id, a] of this.armed) {
      const j = byId.get(id);
      if (!j || j.paused || j.cron !== a.job.cron || j.timezone !== a.job.timezone || this.state !== "started") {
        a.cron.stop();
        this.armed.delete(id);
      } else a.job = j;
    }
    if (this.state !== "started") return;
    for (const j of jobs) {
      if (j.paused || this.armed.has(j.id)) continue;
      try {
        const cron = new Cron(j.cron, { mode: CRON_MODE, timezone: j.timezone }, () => this.tick(j.id));
        this.armed.set(j.id, { job: j, cron });
      } catch (e) {
        this.log?.error(`Job "${j.id}" is not scheduled: ${messageOf(e)}`, j.project);
      }
    }
  }

  private tick(id: string): void {
    const a = this.armed.get(id);
    if (this.state !== "started" || !a) return;
    if (this.ticks) {
      // Every server computes the same tick: the last time the cron matches (croner fires at it or just after).
      const tick = a.cron.previousRuns(1, new Date(Math.floor(Date.now() / 1000) * 1000 + 1000))[0];
      if (tick) void this.claimTick(id, tick.getTime(), false);
      return;
    }
    const r = this.running.get(id);
    if (!r) {
      void this.execute(a.job, false);
      return;
    }
    const skipped = `the previous run (started ${r.startedAt}) was still running`;
    this.log?.warn(`Job "${id}": a tick was skipped: ${skipped}`, a.job.project);
    void this.record({ job: id, at: new Date(this.now()).toISOString(), durationMs: 0, ok: false, skipped });
  }

  /**
   * A cluster's tick: runs it if this server wins its claim, records it as skipped (once in the
   * cluster) when the job runs somewhere, or, when another server runs it, checks again once that
   * server's lease would expire: if it died mid-run, the tick is taken over (a recovery).
   */
  private async claimTick(id: string, tick: number, recovery: boolean): Promise<void> {
    const ticks = this.ticks!;
    const at = new Date(tick).toISOString();
    const a = this.armed.get(id);
    if (this.state !== "started" || !a) return;
    const startedAt = new Date(this.now()).toISOString();
    let answer: Awaited<ReturnType<ClusterTicks["claim"]>>;
    try {
      answer = await ticks.claim(id, tick, { localBusy: this.running.has(id), recovery, startedAt });
    } catch (e) {
      if (!this.claimsFailing)
        this.log?.error(`Job "${id}": cannot claim the tick of ${at} in the cluster: ${messageOf(e)}`, a.job.project);
      this.claimsFailing = true;
      return;
    }
    if (this.claimsFailing) this.log?.info(`Scheduler: ticks are claimed in the cluster again`);
    this.claimsFailing = false;
    // Stopped meanwhile (a claim won is left to expire: another server takes the tick over).
    const job = this.armed.get(id)?.job;
    if (this.state !== "started" || !job) return;
    switch (answer.kind) {
      case "won":
        if (answer.claim.recovery)
          this.log?.warn(`Job "${id}": the tick of ${at} was taken over (its server stopped mid-run)`, job.project);
        void this.execute(job, false, answer.claim);
        return;
      case "skip": {
        const skipped = answer.since
          ? `the previous run (started ${answer.since} on ${answer.server}) was still running`
          : "the previous run was still running";
        this.log?.warn(`Job "${id}": a tick was skipped: ${skipped}`, job.project);
        const record: JobRun = {
          job: id,
          at: startedAt,
          durationMs: 0,
          ok: false,
          skipped,
          server: this.server!,
          tick: at,
        };
        await ticks
          .append(record)
          .catch((e: unknown) =>
            this.log?.error(`Scheduler: cannot record a run of "${id}" in ${ticks.file}: ${messageOf(e)}`),
          );
        return;
      }
      case "running":
      case "wait": {
        const key = `${id}:${tick}`;
        if (this.watches.has(key) || this.watches.size >= MAX_WATCHES) return;
        const timer = setTimeout(() => {
          this.watches.delete(key);
          void this.claimTick(id, tick, true);
        }, answer.ms);
        this.watches.set(key, timer);
        return;
      }
      case "settled":
        return;
    }
  }

  private execute(job: Job, manual: boolean, claim?: TickClaim): Promise<JobRun> {
    const controller = new AbortController();
    const running: Running = {
      startedAt: claim?.startedAt ?? new Date(this.now()).toISOString(),
      controller,
      timer: undefined,
      done: undefined as unknown as Promise<JobRun>,
      ...(claim ? { claim } : {}),
    };
    if (claim) this.renewWhileRunning(job, running, claim);
    running.timer = setTimeout(() => {
      running.reason ??= "timeout";
      controller.abort(new Error(`the time limit of ${formatDuration(this.timeLimitMs)} was reached`));
    }, this.timeLimitMs);
    this.running.set(job.id, running);
    running.done = this.perform({ ...job, inputs: { ...job.inputs } }, running, manual);
    return running.done;
  }

  /** Renews a claim every third of its lease; when another server has taken it, the run is aborted. */
  private renewWhileRunning(job: Job, running: Running, claim: TickClaim): void {
    const ticks = this.ticks!;
    let busy = false;
    let warned = false;
    running.renewer = setInterval(
      () => {
        if (busy) return;
        busy = true;
        ticks
          .renew(claim)
          .then((mine) => {
            if (mine || running.controller.signal.aborted) return;
            clearInterval(running.renewer);
            running.reason ??= "lost";
            this.log?.warn(
              `Job "${job.id}": its claim expired and another server may run it: this run stops`,
              job.project,
            );
            running.controller.abort(new Error("the claim of this run expired (another server may run it)"));
          })
          .catch((e: unknown) => {
            if (!warned) this.log?.error(`Job "${job.id}": cannot renew its claim: ${messageOf(e)}`, job.project);
            warned = true;
          })
          .finally(() => (busy = false));
      },
      Math.max(Math.floor(ticks.opts.leaseMs / 3), 10),
    );
  }

  private async perform(job: Job, running: Running, manual: boolean): Promise<JobRun> {
    const t0 = performance.now();
    let ok = false;
    let error: string | undefined;
    const claim = running.claim;
    const info: JobRunInfo | undefined = claim
      ? {
          server: this.server!,
          ...(claim.tick !== undefined ? { tick: new Date(claim.tick) } : {}),
          fence: claim.fence,
          recovery: claim.recovery,
        }
      : undefined;
    try {
      // Called at the next turn, so that `running.done` is set before the run's code runs.
      const r = await Promise.resolve().then(() =>
        info ? this.opts.run(job, running.controller.signal, info) : this.opts.run(job, running.controller.signal),
      );
      ok = isPlainObject(r) && r.ok === true;
      if (!ok) error = isPlainObject(r) && typeof r.error === "string" && r.error ? r.error : "the run failed";
    } catch (e) {
      error = messageOf(e);
    } finally {
      clearTimeout(running.timer);
      clearInterval(running.renewer);
    }
    if (!ok && running.reason === "timeout")
      error = `stopped at the time limit of ${formatDuration(this.timeLimitMs)}: ${error}`;
    else if (!ok && running.reason === "stop") error = `stopped with the scheduler: ${error}`;
    else if (!ok && running.reason === "lost") error = `stopped, its claim lost: ${error}`;
    const record: JobRun = {
      job: job.id,
      at: running.startedAt,
      durationMs: Math.round(performance.now() - t0),
      ok,
      ...(error !== undefined ? { error: truncate(error) } : {}),
      ...(manual ? { manual: true as const } : {}),
      ...(claim
        ? {
            server: this.server!,
            ...(claim.tick !== undefined ? { tick: new Date(claim.tick).toISOString() } : {}),
            fence: claim.fence,
            ...(claim.recovery ? { recovery: true as const } : {}),
          }
        : {}),
    };
    if (ok) this.log?.info(`Job "${job.id}" ran ${job.project}.${job.sequence} (${record.durationMs} ms)`, job.project);
    else this.log?.warn(`Job "${job.id}" failed: ${record.error}`, job.project);
    if (claim) await this.recordClaimed(job, claim, record);
    else await this.record(record);
    this.running.delete(job.id);
    return record;
  }

  /** A cluster's run: recorded and its tick settled, unless a newer claim holds it; never throws. */
  private async recordClaimed(job: Job, claim: TickClaim, record: JobRun): Promise<void> {
    try {
      if (!(await this.ticks!.finish(claim, record)))
        this.log?.warn(
          `Job "${job.id}": this run (fence ${claim.fence}) is not recorded: a newer claim holds its tick`,
          job.project,
        );
    } catch (e) {
      this.log?.error(`Scheduler: cannot record a run of "${job.id}" in ${this.runLog.file}: ${messageOf(e)}`);
    }
  }

  /** Appends a record; a failure to write is logged, never thrown (the job goes on). */
  private async record(run: JobRun): Promise<void> {
    try {
      await this.runLog.append(run);
    } catch (e) {
      this.log?.error(`Scheduler: cannot record a run of "${run.job}" in ${this.runLog.file}: ${messageOf(e)}`);
    }
  }
}

/**
 * The `run` and `check` of a scheduler whose jobs run in this engine: a job runs its sequence
 * with its inputs in a fresh session, as a trusted caller (like the CLI), stopped by the signal.
 */
export function engineJobHooks(engine: Engine): { run: JobRunner; check: JobTargetCheck } {
  return {
    check(project, sequence) {
      const p = engine.workspace.get(project);
      if (!p) {
        const failure = engine.workspace.failures.get(project);
        return failure
          ? `the project "${project}" could not be loaded: ${failure}`
          : `there is no project named "${project}" in the workspace`;
      }
      try {
        engine.findSequence(p, sequence);
        return undefined;
      } catch (e) {
        return messageOf(e);
      }
    },
    async run(job, signal) {
      const r = await engine.run({ project: job.project, sequence: job.sequence, inputs: { ...job.inputs }, signal });
      if (r.ok) return { ok: true };
      const step = r.error?.step ? ` (step "${r.error.step.name}")` : "";
      return { ok: false, error: `${r.error?.code ?? "error"}: ${r.error?.message ?? "the run failed"}${step}` };
    },
  };
}
