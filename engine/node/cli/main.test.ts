import { execFile, spawn } from "node:child_process";
import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { promisify } from "node:util";
import { Agent } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const root = path.resolve(import.meta.dirname, "../../..");
const bin = path.join(root, "bin/atelier.js");
const demo = path.join(root, "examples/workspace/Demo");

function atelier(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { cwd: root, env: { ...process.env, ...env } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d));
    child.stderr.on("data", (d: Buffer) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), "atelier-cli-"));
});
afterAll(() => rm(tmp, { recursive: true, force: true }));

describe("atelier run", () => {
  it("runs a private seeding sequence with the workspace's FullSync databases", async () => {
    // The orders back end of the example, on a free port.
    const backend = spawn(process.execPath, [path.join(root, "examples/fullsync-demo/backend.mjs")], {
      env: { ...process.env, PORT: "0" },
      stdio: ["ignore", "pipe", "inherit"],
    });
    try {
      const port = await new Promise<number>((resolve, reject) => {
        const lines = createInterface({ input: backend.stdout! });
        lines.on("line", (l) => {
          const m = /:(\d+)/.exec(l);
          if (m) resolve(Number(m[1]));
        });
        backend.once("exit", () => reject(new Error("the back end exited")));
      });
      const ws = path.join(tmp, "fs-ws");
      await cp(path.join(root, "examples/workspace/FullSyncDemo"), path.join(ws, "FullSyncDemo"), { recursive: true });
      const r = await atelier([
        "run",
        "--project",
        path.join(ws, "FullSyncDemo"),
        "--sequence",
        "SeedData",
        "--set",
        `backendUrl=http://127.0.0.1:${port}`,
      ]);
      expect(r.stderr).toBe("");
      expect(JSON.parse(r.stdout)).toEqual({ orders: 3, catalog: 3, sales: 2 });
      expect(r.code).toBe(0);
    } finally {
      backend.kill();
    }
  });

  it("prints a sequence's JSON output and exits 0", async () => {
    const r = await atelier(["run", "--project", demo, "--sequence", "Greet", "--var", "name=Ada"]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ greeting: "Hello, Ada!" });
  });

  it("takes repeated --var as a multi-valued variable and prints the trace on stderr", async () => {
    const r = await atelier([
      "run",
      "--project",
      demo,
      "--sequence",
      "SumList",
      "--var",
      "n=1",
      "--var",
      "n=2.5",
      "--trace",
    ]);
    expect(JSON.parse(r.stdout)).toEqual({ count: 2, sum: 3.5 });
    expect(r.stderr).toMatch(/Iterator "EachValue" \[stsumiter001\] \d+ ms ok/);
    expect(r.stderr).toContain("output: 3.5");
  });

  it("prints the error and exits non-zero", async () => {
    const r = await atelier(["run", "--project", demo, "--sequence", "Fail"]);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toEqual({ error: { code: 42, message: "Deliberate failure" } });
    const unknown = await atelier(["run", "--project", demo, "--sequence", "Nope"]);
    expect(unknown.code).toBe(1);
    expect(JSON.parse(unknown.stdout).error.message).toContain('no sequence named "Nope"');
  });

  it("applies --set over the project's settings", async () => {
    const r = await atelier([
      "run",
      "--project",
      demo,
      "--sequence",
      "FetchItems",
      "--var",
      "baseUrl=http://127.0.0.1:9",
      "--set",
      "itemsTimeoutMs=abc",
    ]);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).error).toEqual({
      code: "invalid_setting",
      message: 'HTTP connector "ItemsApi": timeoutMs is "${itemsTimeoutMs}", which gives "abc": not a whole number',
    });
  });

  it("explains bad arguments", async () => {
    const r = await atelier(["run", "--project", demo]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("give --sequence or --transaction");
    const missing = await atelier(["run", "--project", path.join(tmp, "none"), "--sequence", "X"]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("cannot read the project file");
  });
});

describe("atelier test", () => {
  it("runs the example project's test cases green", async () => {
    const r = await atelier(["test", "--project", demo]);
    expect(r.stdout).toContain("PASS Greet › GivenName");
    expect(r.stdout).toMatch(/(\d+) passed, 0 failed/);
    expect(r.code).toBe(0);
  });

  it("exits non-zero and shows what differed when a case fails", async () => {
    const copy = path.join(tmp, "Demo");
    await cp(demo, copy, { recursive: true });
    const file = path.join(copy, "sequences/Greet.yaml");
    await writeFile(file, (await readFile(file, "utf8")).replace("greeting: Hello, Ada!", "greeting: Hello, Bob!"));
    const r = await atelier(["test", "--project", copy]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("FAIL Greet › GivenName");
    expect(r.stdout).toContain('$.greeting: expected "Hello, Bob!", got "Hello, Ada!"');
  });
});

describe("atelier serve", () => {
  it("prints the engine URL on a free port and serves the API until stopped", async () => {
    const child = spawn(process.execPath, [bin, "serve", "--workspace", path.dirname(demo), "--port", "0"], {
      cwd: root,
    });
    try {
      const lines = createInterface({ input: child.stdout });
      const engineUrl = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error("no URL printed")), 20_000);
        lines.on("line", (line) => {
          const m = /^Atelier engine: (http:\/\/127\.0\.0\.1:\d+\/)$/.exec(line);
          if (m) {
            clearTimeout(timer);
            resolve(m[1]!);
          }
        });
      });
      const res = await fetch(new URL("projects/Demo/.json?__sequence=Greet", engineUrl));
      expect(await res.json()).toEqual({ greeting: "Hello, World!" });
      const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
      child.kill("SIGTERM");
      expect(await exited).toBe(0);
    } finally {
      child.kill("SIGKILL");
    }
  });
});

describe("atelier serve --tls-cert/--tls-key", () => {
  it("refuses one without the other", async () => {
    const r = await atelier(["serve", "--workspace", path.dirname(demo), "--tls-cert", "x.pem"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("give both --tls-cert and --tls-key");
  });

  it("serves HTTPS with the given certificate", async () => {
    const cert = path.join(tmp, "serve-cert.pem");
    const key = path.join(tmp, "serve-key.pem");
    await promisify(execFile)("openssl", [
      ...["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"],
      ...["-keyout", key, "-out", cert, "-days", "2", "-subj", "/CN=127.0.0.1"],
      ...["-addext", "subjectAltName=IP:127.0.0.1"],
    ]);
    const child = spawn(
      process.execPath,
      [bin, "serve", "--workspace", path.dirname(demo), "--port", "0", "--tls-cert", cert, "--tls-key", key],
      { cwd: root },
    );
    const dispatcher = new Agent({ connect: { ca: await readFile(cert, "utf8") } });
    try {
      const lines = createInterface({ input: child.stdout });
      const engineUrl = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error("no URL printed")), 20_000);
        lines.on("line", (line) => {
          const m = /^Atelier engine: (https:\/\/127\.0\.0\.1:\d+\/)$/.exec(line);
          if (m) {
            clearTimeout(timer);
            resolve(m[1]!);
          }
        });
      });
      const res = await fetch(new URL("projects/Demo/.json?__sequence=Greet", engineUrl), {
        dispatcher,
      } as RequestInit);
      expect(await res.json()).toEqual({ greeting: "Hello, World!" });
      const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
      child.kill("SIGTERM");
      expect(await exited).toBe(0);
    } finally {
      child.kill("SIGKILL");
      await dispatcher.close();
    }
  });
});
