import { appendFile, mkdir, open } from "node:fs/promises";
import path from "node:path";

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

/**
 * The server's append-only audit log (JSON lines, `<data>/admin/audit.jsonl`): deploys, rollbacks,
 * configuration and user changes, failed logins. Only appended (O_APPEND), never rewritten; secrets
 * never written (callers pass names, not values).
 */
export class AuditLog {
  /** `onAppend` sees each record as it is appended (the server's deploy metrics). */
  constructor(
    readonly file: string,
    private readonly onAppend?: (record: AuditRecord) => void,
  ) {}

  async append(record: Omit<AuditRecord, "at">): Promise<void> {
    const full: AuditRecord = { at: new Date().toISOString(), ...record };
    this.onAppend?.(full);
    await mkdir(path.dirname(this.file), { recursive: true });
    const line = JSON.stringify(full) + "\n";
    await appendFile(this.file, line, { mode: 0o600, flag: "a" });
  }

  /** The last `n` records (newest last), optionally of one project. */
  async tail(n: number, project?: string): Promise<AuditRecord[]> {
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
