import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import os from "node:os";
import path from "node:path";

/** A real redis-server on a free loopback port, its data in a temporary folder (for tests). */
export interface TestRedis {
  url: string;
  port: number;
  /** The redis-server process (to read the CPU it uses). */
  pid: number;
  /** Stops it at once (SIGKILL): what a crash looks like to clients. */
  kill(): void;
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/**
 * Starts redis-server (Debian's package); fails with what to install when it is missing. `port`:
 * a given port (a server started again where a stopped one was), else a free one.
 */
export async function startRedis(opts: { port?: number } = {}): Promise<TestRedis> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "atelier-redis-"));
  for (let attempt = 0; ; attempt++) {
    const port = opts.port ?? (await freePort());
    const child: ChildProcess = spawn(
      "redis-server",
      ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    const ready = await new Promise<boolean | Error>((resolve) => {
      let out = "";
      const timer = setTimeout(() => resolve(new Error(`redis-server did not start in 10 s: ${out}`)), 10_000);
      child.once("error", (e: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        resolve(e.code === "ENOENT" ? new Error("redis-server is not installed (apt-get install redis-server)") : e);
      });
      child.stdout!.on("data", (d: Buffer) => {
        out += d.toString();
        if (out.includes("Ready to accept connections")) {
          clearTimeout(timer);
          resolve(true);
        }
      });
      child.once("exit", () => {
        clearTimeout(timer);
        resolve(false);
      });
    });
    if (ready instanceof Error) {
      child.kill("SIGKILL");
      await rm(dir, { recursive: true, force: true });
      throw ready;
    }
    if (!ready) {
      // The port was taken between the check and the start: another one.
      if (attempt < 3 && opts.port === undefined) continue;
      await rm(dir, { recursive: true, force: true });
      throw new Error("redis-server exited at start");
    }
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    return {
      url: `redis://127.0.0.1:${port}`,
      port,
      pid: child.pid!,
      kill: () => child.kill("SIGKILL"),
      stop: async () => {
        if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
        await exited;
        await rm(dir, { recursive: true, force: true });
      },
    };
  }
}
