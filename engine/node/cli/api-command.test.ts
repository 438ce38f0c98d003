import { spawn } from "node:child_process";
import { cp, mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const root = path.resolve(import.meta.dirname, "../../..");
const bin = path.join(root, "bin/atelier.js");

function atelier(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { cwd: root });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d));
    child.stderr.on("data", (d: Buffer) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

let ws: string;
beforeAll(async () => {
  ws = await mkdtemp(path.join(os.tmpdir(), "atelier-api-cli-"));
  // Demo without its REST API (made here), and Demo as shipped (its API gets what it lacks).
  const demo = path.join(root, "examples/workspace/Demo");
  await cp(demo, path.join(ws, "Demo"), { recursive: true, filter: (src) => !src.startsWith(path.join(demo, "api")) });
  await cp(demo, path.join(ws, "Shipped", "Demo"), { recursive: true });
});
afterAll(() => rm(ws, { recursive: true, force: true }));

describe("atelier api generate", () => {
  it("says what it would add on a dry run, writing nothing", async () => {
    const r = await atelier(["api", "generate", ws, "--project", "Demo", "--dry-run"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Demo: REST API "api" (prefix /demo) would be made in api/api.yaml, served under /api:');
    expect(await readdir(path.join(ws, "Demo"))).not.toContain("api");
  });

  it("writes the API of a workspace's project, GET for reads and POST for writes; again adds nothing", async () => {
    const r = await atelier(["api", "generate", ws, "--project", "Demo", "--json"]);
    expect(r.code).toBe(0);
    const json = JSON.parse(r.stdout) as {
      written: string[];
      operations: { method: string; url: string; sequence: string; because?: string }[];
      skipped: { sequence: string }[];
    };
    expect(json.written).toEqual(["api/api.yaml"]);
    expect(json.operations.map((o) => `${o.method} ${o.url} ${o.sequence}`)).toEqual([
      "GET /demo/fail Fail",
      "GET /demo/items FetchItems",
      "GET /demo/greet Greet",
      "POST /demo/sum-list SumList",
    ]);
    expect(json.operations[3]!.because).toBe('Sequence JS "Start" in sequence SumList writes');
    expect(json.skipped.map((s) => s.sequence)).toEqual(["Secret"]);
    const text = await readFile(path.join(ws, "Demo", "api", "api.yaml"), "utf8");
    expect(text).toContain("type: UrlMapper");
    expect(text).toContain("path: /items");

    const again = await atelier(["api", "generate", path.join(ws, "Demo")]);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain("Nothing to add to the REST API of Demo");
    expect(await readFile(path.join(ws, "Demo", "api", "api.yaml"), "utf8")).toBe(text);
  });

  it("adds to an existing API what it lacks, keeping what it has", async () => {
    const file = path.join(ws, "Shipped", "Demo", "api", "Api.yaml");
    const before = await readFile(file, "utf8");
    const r = await atelier(["api", "generate", path.join(ws, "Shipped", "Demo")]);
    expect(r.code).toBe(0);
    expect(r.stdout.split("\n").slice(0, 2)).toEqual([
      'Demo: added to the REST API "Api" (api/Api.yaml), served under /api:',
      "  GET  /api/demo/items  FetchItems (baseUrl)",
    ]);
    expect(r.stdout).toContain("  left out: Greet: already served by GET /demo/greetings/{name}");
    const after = await readFile(file, "utf8");
    expect(after.startsWith(before.trimEnd())).toBe(true);
    expect(after).toContain("path: /items");
  });

  it("asks for --project with a workspace folder", async () => {
    const r = await atelier(["api", "generate", ws]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("give --project <name>");
    const other = await atelier(["api", "generate", ws, "--project", "Nope"]);
    expect(other.code).toBe(2);
    expect(other.stderr).toContain("has no project Nope");
  });
});
