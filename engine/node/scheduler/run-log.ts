import { appendFile, chmod, mkdir, open, readFile } from "node:fs/promises";
import path from "node:path";
import { writeFileAtomic } from "../project/project-files.ts";

import type { JobRun } from "../../common/admin/routes.ts";

export type { JobRun };

const BLOCK = 64 * 1024;
const JOB_PREFIX = /^\{"job":"([A-Za-z0-9_.-]*)"/;
const NL = 0x0a;

/**
 * Calls `visit` with the lines of a file from the last to the first, reading blocks from its end,
 * until `visit` answers false. Lines are split on bytes, so a character cut by a block edge stays
 * whole. A missing file has no lines.
 */
export async function scanLinesBackward(file: string, visit: (line: string) => boolean): Promise<void> {
  let fh;
  try {
    fh = await open(file, "r");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return;
    throw e;
  }
  try {
    const { size } = await fh.stat();
    let pos = size;
    let carry: Buffer = Buffer.alloc(0);
    while (pos > 0) {
      const len = Math.min(BLOCK, pos);
      pos -= len;
      const buf = Buffer.alloc(len);
      await fh.read(buf, 0, len, pos);
      const chunk = carry.length ? Buffer.concat([buf, carry]) : buf;
      let end = chunk.length;
      for (let i = chunk.length - 1; i >= 0; i--) {
        if (chunk[i] !== NL) continue;
        if (end > i + 1 && !visit(chunk.toString("utf8", i + 1, end))) return;
        end = i;
      }
      carry = Buffer.from(chunk.subarray(0, end));
    }
    if (carry.length) visit(carry.toString("utf8"));
  } finally {
    await fh.close();
  }
}

function parseRun(line: string): JobRun | undefined {
  try {
    const r = JSON.parse(line) as JobRun;
    return r && typeof r === "object" && typeof r.job === "string" && typeof r.at === "string" ? r : undefined;
  } catch {
    return undefined; // a torn line (a crash while appending) is skipped
  }
}

/**
 * The runs of scheduled jobs: an append-only JSON-lines file (owner-only), bounded: when it holds
 * more than twice `keep` lines it is rewritten atomically with the last `keep`. Appends and
 * compactions of one RunLog happen one at a time; the last runs of a job are read from the end.
 */
export class RunLog {
  private queue: Promise<unknown> = Promise.resolve();
  /** Lines in the file, as far as this process knows (undefined: not counted yet). */
  private lines: number | undefined;
  /** The file ends without a newline (a torn last line): the next append starts a new line. */
  private torn = false;

  constructor(
    readonly file: string,
    /** Records kept after a compaction; the file holds at most twice this many. */
    readonly keep = 10_000,
  ) {
    if (!Number.isInteger(keep) || keep < 1) throw new Error("RunLog: keep must be a whole number of at least 1");
  }

  /** Appends a record (compacting the file when it has grown past twice `keep`). */
  append(record: JobRun): Promise<void> {
    return this.serial(async () => {
      if (this.lines === undefined) await this.count();
      const line = JSON.stringify(record) + "\n";
      await mkdir(path.dirname(this.file), { recursive: true });
      await appendFile(this.file, this.torn ? "\n" + line : line, { mode: 0o600, flag: "a" });
      this.torn = false;
      this.lines = (this.lines ?? 0) + 1;
      if (this.lines > 2 * this.keep) await this.compactNow();
    });
  }

  /** Rewrites the file with its last `keep` records (atomically). */
  compact(): Promise<void> {
    return this.serial(() => this.compactNow());
  }

  /** The last `n` records of a job, oldest first; skipped ticks included unless asked otherwise. */
  async last(job: string, n: number, opts: { skipped?: boolean } = {}): Promise<JobRun[]> {
    const out: JobRun[] = [];
    if (n <= 0) return out;
    const marker = `"job":${JSON.stringify(job)}`;
    await scanLinesBackward(this.file, (line) => {
      if (!line.includes(marker)) return true;
      const r = parseRun(line);
      if (r && r.job === job && (opts.skipped !== false || !r.skipped)) out.push(r);
      return out.length < n;
    });
    return out.reverse();
  }

  /** The last record (skipped ticks left out) of each of these jobs that has one. */
  async lastOf(jobs: Iterable<string>): Promise<Map<string, JobRun>> {
    const want = new Set(jobs);
    const found = new Map<string, JobRun>();
    if (want.size === 0) return found;
    await scanLinesBackward(this.file, (line) => {
      // Records are written with the job first: lines of other jobs are not parsed.
      const id = JOB_PREFIX.exec(line)?.[1];
      if (id !== undefined && (!want.has(id) || found.has(id))) return true;
      const r = parseRun(line);
      if (r && !r.skipped && want.has(r.job) && !found.has(r.job)) found.set(r.job, r);
      return found.size < want.size;
    });
    return found;
  }

  /** Waits for the appends under way. */
  async flush(): Promise<void> {
    await this.serial(async () => undefined);
  }

  private serial<R>(fn: () => Promise<R>): Promise<R> {
    const next = this.queue.then(fn);
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async count(): Promise<void> {
    let buf: Buffer;
    try {
      buf = await readFile(this.file);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
      this.lines = 0;
      return;
    }
    let lines = 0;
    for (let i = buf.indexOf(NL); i !== -1; i = buf.indexOf(NL, i + 1)) lines++;
    this.torn = buf.length > 0 && buf[buf.length - 1] !== NL;
    this.lines = lines + (this.torn ? 1 : 0);
  }

  private async compactNow(): Promise<void> {
    let text: string;
    try {
      text = await readFile(this.file, "utf8");
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return;
      throw e;
    }
    const kept = text
      .split("\n")
      .filter((l) => l !== "" && parseRun(l) !== undefined)
      .slice(-this.keep);
    await writeFileAtomic(this.file, kept.map((l) => l + "\n").join(""));
    await chmod(this.file, 0o600);
    this.lines = kept.length;
    this.torn = false;
  }
}
