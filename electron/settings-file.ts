import fs from "node:fs";
import path from "node:path";
import type { DesktopLog } from "./log.ts";
import type { WindowState } from "./window-state.ts";

/** What the shell remembers between runs, in `settings.json` of the OS user-data folder. */
export interface DesktopSettings {
  /** The workspace opened last. */
  workspace?: string;
  /** Workspaces opened before, most recent first. */
  recentWorkspaces?: string[];
  window?: WindowState;
}

const maxRecent = 10;

/**
 * The shell's settings file. Reads are tolerant: a field of the wrong type is ignored, a file
 * that is not JSON is set aside (renamed `settings.json.corrupt-<time>`, never overwritten) and
 * the shell starts with defaults. Writes are atomic (temp file, fsync, rename) and keep fields
 * this version does not know, so an older and a newer shell can share the folder.
 */
export class SettingsFile {
  private cache: Record<string, unknown> | undefined;

  constructor(
    readonly file: string,
    private readonly log: DesktopLog,
  ) {}

  read(): DesktopSettings {
    const raw = this.raw();
    const out: DesktopSettings = {};
    if (typeof raw.workspace === "string" && raw.workspace) out.workspace = raw.workspace;
    if (Array.isArray(raw.recentWorkspaces)) {
      out.recentWorkspaces = raw.recentWorkspaces.filter((w): w is string => typeof w === "string" && w !== "");
    }
    if (raw.window && typeof raw.window === "object") out.window = raw.window as WindowState;
    return out;
  }

  /** Merges `patch` into the file (an undefined value removes the field). */
  update(patch: Partial<DesktopSettings>): void {
    const next: Record<string, unknown> = { ...this.raw() };
    for (const [k, v] of Object.entries(patch)) {
      if (v === undefined) delete next[k];
      else next[k] = v;
    }
    this.write(next);
    this.cache = next;
  }

  /** Remembers `dir` as the current workspace and first of the recent ones. */
  rememberWorkspace(dir: string): void {
    const recent = [dir, ...(this.read().recentWorkspaces ?? []).filter((w) => w !== dir)].slice(0, maxRecent);
    this.update({ workspace: dir, recentWorkspaces: recent });
  }

  private raw(): Record<string, unknown> {
    if (this.cache) return this.cache;
    let text: string;
    try {
      text = fs.readFileSync(this.file, "utf8");
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "ENOENT") {
        this.log.warn(`cannot read settings ${this.file}: ${(e as Error).message}; using defaults`);
      }
      return (this.cache = {});
    }
    try {
      const parsed: unknown = JSON.parse(text);
      if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) throw new Error("not a JSON object");
      return (this.cache = parsed as Record<string, unknown>);
    } catch (e) {
      const aside = `${this.file}.corrupt-${new Date().toISOString().replace(/[:.]/g, "-")}`;
      try {
        fs.renameSync(this.file, aside);
        this.log.warn(
          `settings ${this.file} is unreadable (${(e as Error).message}); kept as ${aside}, using defaults`,
        );
      } catch (e2) {
        this.log.warn(
          `settings ${this.file} is unreadable (${(e as Error).message}) and could not be set aside: ${(e2 as Error).message}`,
        );
      }
      return (this.cache = {});
    }
  }

  private write(value: Record<string, unknown>): void {
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    const tmp = `${this.file}.${process.pid}.tmp`;
    const fd = fs.openSync(tmp, "w", 0o600);
    try {
      fs.writeSync(fd, JSON.stringify(value, null, 2) + "\n");
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, this.file);
  }
}
