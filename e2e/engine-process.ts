import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

/** Debian's Chromium as the e2e tests and the Studio benchmark launch it (no download, no calls home). */
export const chromiumLaunchOptions = {
  executablePath: process.env.ATELIER_CHROMIUM ?? "/usr/bin/chromium",
  args: [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
  ],
};

/**
 * Starts `atelier serve` on a workspace as a child process (free port) and answers the Studio URL
 * it prints. The engine's source is not imported: tests drive the running app. `env` adds to the
 * environment (e.g. `ATELIER_CONFIG_DIR`, so the engine keeps deployment targets in a temp folder).
 */
export async function startEngineProcess(
  dir: string,
  opts: { env?: Record<string, string> } = {},
): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(
    process.execPath,
    [path.join(repoRoot, "bin/atelier.js"), "serve", "--workspace", dir, "--port", "0"],
    {
      cwd: repoRoot,
      env: { ...process.env, ATELIER_LOG_LEVEL: "warn", ...opts.env },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let err = "";
  child.stderr!.on("data", (d: Buffer) => (err += d.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    let out = "";
    const timer = setTimeout(
      () => reject(new Error(`The engine printed no Studio URL in 30 s:\n${out}\n${err}`)),
      30_000,
    );
    child.stdout!.on("data", (d: Buffer) => {
      out += d.toString();
      const m = /Atelier Studio: (\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`The engine exited (${code}):\n${out}\n${err}`));
    });
  });
  return { child, url };
}
