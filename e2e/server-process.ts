import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const atelierBin = path.join(repoRoot, "bin/atelier.js");

/** A running `atelier server` child process. */
export interface ServerProcess {
  child: ChildProcess;
  /** The server's base URL as it printed it (http://127.0.0.1:<port>/). */
  url: string;
  /** Stops it (SIGTERM, then SIGKILL after 5 s). */
  stop(): Promise<void>;
}

/** Stops a child process: SIGTERM, then SIGKILL if it is still there after `ms`. */
export async function stopChild(child: ChildProcess, ms = 5000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once("exit", r));
  child.kill("SIGTERM");
  await Promise.race([exited, new Promise((r) => setTimeout(r, ms))]);
  if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
}

/**
 * Starts `atelier server --data DIR --port 0` (a free port on loopback) and answers the URL it
 * prints (`Atelier server: <url> (data ...)`). The engine's source is not imported.
 */
export async function startServerProcess(dataDir: string): Promise<ServerProcess> {
  const child = spawn(process.execPath, [atelierBin, "server", "--data", dataDir, "--port", "0"], {
    cwd: repoRoot,
    env: { ...process.env, ATELIER_LOG_LEVEL: "warn" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let err = "";
  child.stderr!.on("data", (d: Buffer) => (err += d.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => reject(new Error(`The server printed no URL in 30 s:\n${out}\n${err}`)), 30_000);
    child.stdout!.on("data", (d: Buffer) => {
      out += d.toString();
      const m = /Atelier server: (\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`The server exited (${code}):\n${out}\n${err}`));
    });
  });
  return { child, url, stop: () => stopChild(child) };
}

/** Runs `atelier <args>` (with `stdin` on its standard input); answers its output, or throws with it. */
export function atelierCli(args: string[], stdin = ""): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [atelierBin, ...args], {
      cwd: repoRoot,
      env: { ...process.env, ATELIER_LOG_LEVEL: "warn" },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    child.once("error", reject);
    child.once("exit", (code) =>
      code === 0 ? resolve(out) : reject(new Error(`atelier ${args.join(" ")} exited (${code}):\n${out}\n${err}`)),
    );
    child.stdin.end(stdin);
  });
}

/** Adds an admin user to a server's data folder (`atelier admin add-user`, the password on stdin). */
export async function addAdminUser(dataDir: string, user: string, password: string, roles = "deploy,configure,view") {
  await atelierCli(["admin", "add-user", "--data", dataDir, "--user", user, "--roles", roles], password);
}

/** Makes a PSC for a user of a server (`atelier psc create`); answers its one line (`atlpsc1_…`). */
export async function createPsc(dataDir: string, user: string, url: string, extra: string[] = []): Promise<string> {
  const out = await atelierCli(["psc", "create", "--data", dataDir, "--user", user, "--url", url, ...extra]);
  const line = out.split(/\r?\n/).find((l) => /^atlpsc1_\S+$/.test(l.trim()));
  if (!line) throw new Error(`atelier psc create printed no PSC:\n${out}`);
  return line.trim();
}
