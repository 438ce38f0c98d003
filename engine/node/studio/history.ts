import { appendFile, mkdir, readFile, rename, writeFile } from "node:fs/promises";
import path from "node:path";
import type { ObjNode } from "../../common/model/node.ts";
import type { HistoryState } from "../../common/studio/api.ts";

/**
 * One primitive change of a project tree. Every Studio operation is a list of these, so undo is
 * the reversed list of their inverses, and each one can check the tree is still as it left it.
 */
export type TreeOp =
  | {
      op: "props";
      project: string;
      id: string;
      before: { name: string; props: Record<string, unknown> };
      after: { name: string; props: Record<string, unknown> };
    }
  | { op: "insert"; project: string; parent: string; index: number; node: ObjNode }
  | { op: "remove"; project: string; parent: string; index: number; node: ObjNode };

/**
 * One change of the workspace's projects themselves (project-ops.ts): a project folder renamed,
 * moved to the workspace's trash (`.atelier/trash/<trashId>/<project>`), or moved back from it.
 */
export type ProjectOp =
  | { op: "project-rename"; project: string; to: string }
  | { op: "project-trash"; project: string; trashId: string }
  | { op: "project-restore"; project: string; trashId: string };

/** Any op a history entry holds. */
export type HistoryOp = TreeOp | ProjectOp;

export function isProjectOp(op: HistoryOp): op is ProjectOp {
  return op.op === "project-rename" || op.op === "project-trash" || op.op === "project-restore";
}

/** A user-visible change: what Undo and Redo act on. */
export interface HistoryEntry {
  label: string;
  ops: HistoryOp[];
  at: number;
}

/** The ops that revert an entry's ops. */
export function inverseOps<T extends HistoryOp>(ops: readonly T[]): T[] {
  return [...ops].reverse().map((o): T => {
    switch (o.op) {
      case "props":
        return { ...o, before: o.after, after: o.before };
      case "insert":
        return { ...o, op: "remove" };
      case "remove":
        return { ...o, op: "insert" };
      case "project-rename":
        return { ...o, project: o.to, to: o.project };
      case "project-trash":
        return { ...o, op: "project-restore" };
      case "project-restore":
        return { ...o, op: "project-trash" };
    }
  });
}

type Line = { do: HistoryEntry } | { undo: 1 } | { redo: 1 };

/**
 * The Studio's undo and redo stacks, shared by every window of one engine and kept in
 * `.atelier/studio-history.jsonl` of the workspace (an append-only log of do / undo / redo,
 * compacted when it grows), so a restart keeps them.
 */
export class History {
  private undoStack: HistoryEntry[] = [];
  private redoStack: HistoryEntry[] = [];
  private lines = 0;
  private writing: Promise<void> = Promise.resolve();

  constructor(
    private readonly file: string | undefined,
    private readonly limit = 300,
  ) {}

  /** Reads the log left by an earlier start (a damaged line ends the replay there). */
  async load(): Promise<void> {
    if (!this.file) return;
    let text: string;
    try {
      text = await readFile(this.file, "utf8");
    } catch {
      return;
    }
    for (const raw of text.split("\n")) {
      if (!raw.trim()) continue;
      let line: Line;
      try {
        line = JSON.parse(raw) as Line;
      } catch {
        break;
      }
      this.lines++;
      if ("do" in line) this.pushDone(line.do);
      else if ("undo" in line) {
        const e = this.undoStack.pop();
        if (e) this.redoStack.push(e);
      } else if ("redo" in line) {
        const e = this.redoStack.pop();
        if (e) this.undoStack.push(e);
      }
    }
  }

  private pushDone(entry: HistoryEntry): void {
    this.undoStack.push(entry);
    if (this.undoStack.length > this.limit) this.undoStack.splice(0, this.undoStack.length - this.limit);
    this.redoStack = [];
  }

  state(): HistoryState {
    const u = this.undoStack.at(-1);
    const r = this.redoStack.at(-1);
    return {
      canUndo: Boolean(u),
      canRedo: Boolean(r),
      ...(u ? { undoLabel: u.label } : {}),
      ...(r ? { redoLabel: r.label } : {}),
    };
  }

  record(entry: HistoryEntry): void {
    this.pushDone(entry);
    this.append({ do: entry });
  }

  peekUndo(): HistoryEntry | undefined {
    return this.undoStack.at(-1);
  }

  peekRedo(): HistoryEntry | undefined {
    return this.redoStack.at(-1);
  }

  /** Moves the last done entry to the redo stack (after it was reverted on the files). */
  undone(): void {
    const e = this.undoStack.pop();
    if (e) this.redoStack.push(e);
    this.append({ undo: 1 });
  }

  redone(): void {
    const e = this.redoStack.pop();
    if (e) this.undoStack.push(e);
    this.append({ redo: 1 });
  }

  /** Forgets an entry that can no longer be applied (its objects changed on disk). */
  dropUndo(): void {
    this.undoStack.pop();
    this.compactSoon();
  }

  dropRedo(): void {
    this.redoStack.pop();
    this.compactSoon();
  }

  /** Waits for the log writes under way (tests, shutdown). */
  flush(): Promise<void> {
    return this.writing;
  }

  /** Every entry Undo or Redo may still reach (what the workspace's trash must keep). */
  entries(): readonly HistoryEntry[] {
    return [...this.undoStack, ...this.redoStack];
  }

  private append(line: Line): void {
    if (!this.file) return;
    const file = this.file;
    this.lines++;
    if (this.lines > this.limit * 3) {
      this.compactSoon();
      return;
    }
    const text = JSON.stringify(line) + "\n";
    this.writing = this.writing
      .then(async () => {
        await mkdir(path.dirname(file), { recursive: true });
        await appendFile(file, text, "utf8");
      })
      .catch(() => undefined);
  }

  /** Rewrites the log as the current stacks (do lines, then undo lines for the redo stack). */
  private compactSoon(): void {
    if (!this.file) return;
    const file = this.file;
    const all = [...this.undoStack, ...[...this.redoStack].reverse()];
    const text =
      all.map((e) => JSON.stringify({ do: e })).join("\n") +
      (all.length ? "\n" : "") +
      this.redoStack.map(() => JSON.stringify({ undo: 1 })).join("\n") +
      (this.redoStack.length ? "\n" : "");
    this.lines = all.length + this.redoStack.length;
    this.writing = this.writing
      .then(async () => {
        await mkdir(path.dirname(file), { recursive: true });
        const tmp = `${file}.${process.pid}.tmp`;
        await writeFile(tmp, text, "utf8");
        await rename(tmp, file);
      })
      .catch(() => undefined);
  }
}
