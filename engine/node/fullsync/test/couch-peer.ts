/**
 * A CouchDB-compatible server for engine tests: embedded-db/test/couch-server.ts (express-pouchdb)
 * in a child process on 127.0.0.1, with an admin password. Started by path (the engine reaches
 * embedded-db only through its public entry), stopped with the test.
 */
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../..");

export interface CouchPeer {
  url: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

export async function startCouchPeer(opts: { user: string; password: string; dir?: string }): Promise<CouchPeer> {
  const args = ["--import", "tsx", path.join(repoRoot, "embedded-db/test/couch-server.ts"), "--port", "0"];
  args.push("--user", opts.user);
  if (opts.dir) args.push("--dir", opts.dir);
  // Its stdin stays open: the peer stops when it ends (when this process goes away).
  const child = spawn(process.execPath, args, {
    cwd: repoRoot,
    env: { ...process.env, COUCH_PASSWORD: opts.password },
    stdio: ["pipe", "pipe", "inherit"],
  });
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once("exit", () => resolve());
      child.kill("SIGCONT");
      child.kill("SIGTERM");
    });
  try {
    const url = await new Promise<string>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error("the CouchDB peer did not start in time")), 20_000);
      createInterface({ input: child.stdout! }).once("line", (line) => {
        clearTimeout(t);
        try {
          resolve((JSON.parse(line) as { url: string }).url);
        } catch (e) {
          reject(e as Error);
        }
      });
      child.once("exit", (code) => reject(new Error(`the CouchDB peer exited (${code})`)));
    });
    return { url, child, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}
