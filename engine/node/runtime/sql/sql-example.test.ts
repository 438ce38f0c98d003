// The example project SqlDemo (examples/workspace) passes its test cases on the embedded database,
// run twice in a copy of it: the second engine finds the first one's notes in the file.
import { cp, mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { Engine } from "../../engine.ts";
import { runProjectTests } from "../../test-cases/test-cases.ts";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../..");
const dirs: string[] = [];

afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

describe("the SqlDemo example", () => {
  it("passes its test cases, and keeps its notes across engines", async () => {
    const ws = await mkdtemp(path.join(os.tmpdir(), "atelier-sqldemo-"));
    dirs.push(ws);
    await cp(path.join(root, "examples/workspace/SqlDemo"), path.join(ws, "SqlDemo"), { recursive: true });
    for (let round = 1; round <= 2; round++) {
      const engine = await Engine.open({ workspaceDir: ws, env: {}, warmSandbox: false });
      try {
        expect(engine.project("SqlDemo")?.invalidCount).toBe(0);
        const results = await runProjectTests(engine, "SqlDemo");
        expect(results.map((r) => [r.testCase, r.ok])).toEqual([
          ["Stored", true],
          ["QuotesAreData", true],
        ]);
        const r = await engine.run({
          project: "SqlDemo",
          connector: "Notes",
          transaction: "ByAuthors",
          inputs: { authors: ["ada"] },
        });
        expect((r.output as { groups: { rows: unknown[] }[] }).groups[0]?.rows).toHaveLength(round);
      } finally {
        await engine.close();
      }
    }
  });
});
