import { appendFile, mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { History, inverseOps, type HistoryEntry, type TreeOp } from "./history.ts";

const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

const entry = (label: string): HistoryEntry => ({
  label,
  at: 0,
  ops: [{ op: "props", project: "P", id: "x", before: { name: "a", props: {} }, after: { name: label, props: {} } }],
});

describe("History", () => {
  it("inverts ops in reverse order", () => {
    const node = { id: "n", type: "Element", name: "n", props: {}, children: [] };
    const ops: TreeOp[] = [
      { op: "insert", project: "P", parent: "p", index: 0, node },
      { op: "props", project: "P", id: "n", before: { name: "n", props: {} }, after: { name: "m", props: { a: 1 } } },
    ];
    const inv = inverseOps(ops);
    expect(inv.map((o) => o.op)).toEqual(["props", "remove"]);
    expect(inv[0]).toMatchObject({ before: { name: "m" }, after: { name: "n" } });
  });

  it("keeps the stacks in its log across restarts, through compaction, and caps their size", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "atelier-history-"));
    dirs.push(dir);
    const file = path.join(dir, ".atelier", "h.jsonl");
    const h = new History(file, 4);
    for (let i = 1; i <= 20; i++) h.record(entry(`e${i}`)); // 20 lines > 3 x limit: compacted
    h.undone();
    h.undone();
    await h.flush();
    expect(h.state()).toEqual({ canUndo: true, canRedo: true, undoLabel: "e18", redoLabel: "e19" });

    const again = new History(file, 4);
    await again.load();
    expect(again.state()).toEqual(h.state());
    again.redone();
    await again.flush();
    const third = new History(file, 4);
    await third.load();
    expect(third.state()).toMatchObject({ undoLabel: "e19", redoLabel: "e20" });
    // A damaged tail (a crash in the middle of a write) is ignored; what came before is kept.
    await appendFile(file, '{"do": {"label": "cut sh');
    const fourth = new History(file, 4);
    await fourth.load();
    expect(fourth.state()).toEqual(third.state());
  });

  it("a new change clears the redo stack", () => {
    const h = new History(undefined);
    h.record(entry("a"));
    h.record(entry("b"));
    h.undone();
    expect(h.state().canRedo).toBe(true);
    h.record(entry("c"));
    expect(h.state()).toMatchObject({ canRedo: false, undoLabel: "c" });
  });
});
