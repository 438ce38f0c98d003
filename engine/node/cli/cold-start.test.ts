// What the CLI's cold start loads: each command imports what it uses when it runs (main.ts), so
// `atelier run` and `atelier --help` must not load the HTTP server, FullSync, Redis's client, the
// HTTP client of transactions or the logger. A CommonJS preload lists the packages required by the
// time the process exits (the heavy dependencies are CommonJS). See bench/startup.
import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const root = path.resolve(import.meta.dirname, "../../..");
const bin = path.join(root, "bin/atelier.js");
const demo = path.join(root, "examples/workspace/Demo");

let tmp: string;
let preload: string;
beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), "atelier-cold-"));
  preload = path.join(tmp, "packages.cjs");
  await writeFile(
    preload,
    `process.on("exit", () => {
  const names = new Set();
  for (const k of Object.keys(require("module")._cache)) {
    const m = k.match(/node_modules[\\\\/]((@[^\\\\/]+[\\\\/])?[^\\\\/]+)[\\\\/]/);
    if (m) names.add(m[1].replace("\\\\", "/"));
  }
  require("fs").writeFileSync(process.env.PACKAGES_FILE, JSON.stringify([...names]));
});
`,
  );
});
afterAll(() => rm(tmp, { recursive: true, force: true }));

async function packagesLoaded(args: string[]): Promise<{ code: number; stdout: string; packages: string[] }> {
  const file = path.join(tmp, `packages-${Math.random().toString(36).slice(2)}.json`);
  const { code, stdout } = await new Promise<{ code: number; stdout: string }>((resolve, reject) => {
    const child = spawn(process.execPath, ["-r", preload, bin, ...args], {
      cwd: root,
      env: { ...process.env, PACKAGES_FILE: file, ATELIER_LOG_LEVEL: "warn" },
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d));
    child.on("error", reject);
    child.on("close", (c) => resolve({ code: c ?? -1, stdout: out }));
  });
  const { readFile } = await import("node:fs/promises");
  return { code, stdout, packages: JSON.parse(await readFile(file, "utf8")) as string[] };
}

const NEVER_FOR_RUN = [
  "soap",
  "axios",
  "fastify",
  "@fastify/static",
  "@fastify/multipart",
  "pouchdb",
  "leveldown",
  "@redis/client",
  "prom-client",
  "chokidar",
  "undici",
  "pino",
  // SQL drivers: loaded by a run's first SQL transaction only.
  "pg",
  "mysql2",
  "sql.js",
];

describe("the CLI's cold start", () => {
  it("runs a sequence without loading the server, FullSync, Redis, undici or pino", async () => {
    const r = await packagesLoaded(["run", "--project", demo, "--sequence", "Greet"]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ greeting: "Hello, World!" });
    expect(r.packages.filter((p) => NEVER_FOR_RUN.includes(p))).toEqual([]);
  });

  it("prints its help loading commander alone", async () => {
    const r = await packagesLoaded(["--help"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("Usage: atelier");
    expect(r.packages.filter((p) => p !== "tsx" && p !== "esbuild" && p !== "get-tsconfig")).toEqual(["commander"]);
  });
});
