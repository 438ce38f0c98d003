/** `atelier server --redis URL`: sessions in Redis, a clear refusal when Redis cannot be reached. */
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { startRedis, type TestRedis } from "../testing/redis.ts";

const root = path.resolve(import.meta.dirname, "../../..");
const bin = path.join(root, "bin/atelier.js");
let tmp: string;
let redis: TestRedis;

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), "atelier-server-redis-"));
  redis = await startRedis();
});
afterAll(async () => {
  await redis?.stop();
  await rm(tmp, { recursive: true, force: true });
});

function server(args: string[]) {
  const child = spawn(process.execPath, [bin, "server", "--port", "0", ...args], {
    cwd: root,
    env: { ...process.env, ATELIER_LOG_LEVEL: "warn" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr!.on("data", (d: Buffer) => (stderr += d));
  const started = new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on("line", (l) => {
      const m = /^Atelier server: (\S+)/.exec(l);
      if (m) resolve(m[1]!);
    });
    child.once("exit", (code) => reject(new Error(`exit ${code}: ${stderr}`)));
  });
  return { child, started };
}

describe("atelier server --redis", () => {
  it("serves with its sessions in Redis", async () => {
    const s = server(["--data", path.join(tmp, "a"), "--redis", redis.url]);
    try {
      const url = await s.started;
      const who = await fetch(new URL("/services/user.Get", url));
      expect(await who.json()).toMatchObject({ authenticated: false });
      expect((await fetch(new URL("/health/live", url))).status).toBe(200);
    } finally {
      s.child.kill("SIGTERM");
    }
  });

  it("is not ready while its Redis cannot be reached, and ready again when it is back", async () => {
    const own = await startRedis();
    const s = server(["--data", path.join(tmp, "c"), "--redis", own.url]);
    try {
      const url = await s.started;
      const ready = () => fetch(new URL("/health/ready", url));
      expect((await ready()).status).toBe(200);
      own.kill();
      await own.stop();
      const down = await ready();
      expect(down.status).toBe(503);
      expect(JSON.stringify(await down.json())).toMatch(/Sessions are unavailable \(Redis, ping\)/);
      expect((await fetch(new URL("/health/live", url))).status).toBe(200);
      // Back on its port: the server reconnects by itself.
      const again = await startRedis({ port: own.port });
      try {
        await vi.waitFor(async () => expect((await ready()).status).toBe(200), { timeout: 10_000, interval: 250 });
      } finally {
        await again.stop();
      }
    } finally {
      s.child.kill("SIGTERM");
    }
  });

  it("refuses to start when Redis cannot be reached, saying where (without the password)", async () => {
    const s = server(["--data", path.join(tmp, "b"), "--redis", "redis://ops:s3cret@127.0.0.1:1"]);
    const error = await s.started.then(
      () => undefined,
      (e: Error) => e.message,
    );
    s.child.kill("SIGTERM");
    expect(error).toMatch(/cluster state: cannot connect to Redis at redis:\/\/\*\*\*@127\.0\.0\.1:1/);
    expect(error).not.toContain("s3cret");
  });

  it("refuses flags that would open it to spoofing or are not what they say, naming the flag", async () => {
    for (const [args, said] of [
      [["--trust-proxy", "*"], /--trust-proxy "\*" would let any client say its own address/],
      [["--trust-proxy", "0.0.0.0/0"], /would let any client/],
      [["--trust-proxy", "lb.example"], /"lb\.example" is not an IP address/],
      [["--drain-seconds", "-1"], /--drain-seconds must be a number of seconds from 0 to 300/],
      [["--couchdb", "ftp://x"], /--couchdb must be an http/],
    ] as [string[], RegExp][]) {
      const s = server(["--data", path.join(tmp, "c"), ...args]);
      const error = await s.started.then(
        () => undefined,
        (e: Error) => e.message,
      );
      s.child.kill("SIGTERM");
      expect(error).toMatch(said);
    }
  });
});
