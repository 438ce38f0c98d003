import { appendFile, mkdir, open } from "node:fs/promises";
import path from "node:path";
import type { RedisClient } from "../cluster/redis-connection.ts";

/** One line of the audit log: who did what, when, from where. */
export interface AuditRecord {
  at: string;
  /** The admin user. */
  user: string;
  /** How they proved it: "password" or the PSC token id. */
  via: string;
  /** The caller's address. */
  from: string;
  action: string;
  project?: string;
  version?: number;
  ok: boolean;
  details?: Record<string, unknown>;
}

/** Records a cluster keeps in Redis. */
export const SHARED_AUDIT_KEEP = 10_000;

/**
 * The server's append-only audit log (JSON lines, `<data>/admin/audit.jsonl`): deploys, rollbacks,
 * configuration and user changes, failed logins. Only appended (O_APPEND), never rewritten; secrets
 * never written (callers pass names, not values).
 */
export class AuditLog {
  /**
   * `shared`: a cluster's log, a Redis list every server appends to (the last SHARED_AUDIT_KEEP
   * records), beside each server's own file. `onAppend` sees each record as it is appended (the
   * server's deploy metrics).
   */
  constructor(
    readonly file: string,
    private readonly shared?: { client: RedisClient; prefix: string },
    private readonly onAppend?: (record: AuditRecord) => void,
  ) {}

  async append(record: Omit<AuditRecord, "at">): Promise<void> {
    const full: AuditRecord = { at: new Date().toISOString(), ...record };
    this.onAppend?.(full);
    await mkdir(path.dirname(this.file), { recursive: true });
    const line = JSON.stringify(full) + "\n";
    await appendFile(this.file, line, { mode: 0o600, flag: "a" });
    if (this.shared) {
      const key = `${this.shared.prefix}audit`;
      await this.shared.client
        .multi()
        .lPush(key, line.trim())
        .lTrim(key, 0, SHARED_AUDIT_KEEP - 1)
        .exec();
    }
  }

  /** The last `n` records (newest last), optionally of one project. */
  async tail(n: number, project?: string): Promise<AuditRecord[]> {
    if (this.shared) {
      const out: AuditRecord[] = [];
      for (const l of await this.shared.client.lRange(`${this.shared.prefix}audit`, 0, SHARED_AUDIT_KEEP - 1)) {
        if (out.length >= n) break;
        try {
          const r = JSON.parse(l) as AuditRecord;
          if (!project || r.project === project) out.push(r);
        } catch {
          // skipped
        }
      }
      return out.reverse();
    }
    let fh;
    try {
      fh = await open(this.file, "r");
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return [];
      throw e;
    }
    try {
      const { size } = await fh.stat();
      // Read backwards in blocks until enough lines are found (the log may be large).
      const out: AuditRecord[] = [];
      let pos = size;
      let carry = "";
      while (pos > 0 && out.length < n) {
        const len = Math.min(65536, pos);
        pos -= len;
        const buf = Buffer.alloc(len);
        await fh.read(buf, 0, len, pos);
        const text = buf.toString("utf8") + carry;
        const lines = text.split("\n");
        carry = pos > 0 ? (lines.shift() ?? "") : "";
        for (let i = lines.length - 1; i >= 0 && out.length < n; i--) {
          const l = lines[i]!;
          if (!l) continue;
          try {
            const r = JSON.parse(l) as AuditRecord;
            if (!project || r.project === project) out.push(r);
          } catch {
            // a torn line (a crash while appending) is skipped
          }
        }
      }
      if (carry && out.length < n) {
        try {
          const r = JSON.parse(carry) as AuditRecord;
          if (!project || r.project === project) out.push(r);
        } catch {
          // skipped
        }
      }
      return out.reverse();
    } finally {
      await fh.close();
    }
  }
}
