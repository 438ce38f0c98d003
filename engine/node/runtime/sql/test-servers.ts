/**
 * Real database servers for the SQL tests: PostgreSQL and MariaDB started from Debian's binaries
 * on a random loopback port, in a temporary folder, as the packages' own users when the tests
 * run as root (initdb and mariadbd refuse root). Each answers undefined, with the reason given to
 * `skip`, when it cannot start here; `stop` kills the server and removes its folder.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { chmod, chown, mkdtemp, rm } from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";

export interface TestServer {
  url: string;
  user: string;
  password: string;
  stop(): Promise<void>;
}

const PG_BIN = ["/usr/lib/postgresql/17/bin", "/usr/lib/postgresql/16/bin", "/usr/lib/postgresql/15/bin"].find((d) =>
  existsSync(path.join(d, "postgres")),
);
const MARIADBD = ["/usr/sbin/mariadbd", "/usr/sbin/mysqld"].find((f) => existsSync(f));

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

/** A user to run a server as: the package's, when we are root. */
function runAs(user: string): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const r = spawnSync("id", ["-u", user], { encoding: "utf8" });
  const g = spawnSync("id", ["-g", user], { encoding: "utf8" });
  if (r.status !== 0 || g.status !== 0) return undefined;
  return { uid: Number(r.stdout.trim()), gid: Number(g.stdout.trim()) };
}

async function tempFor(prefix: string, owner: { uid: number; gid: number } | undefined): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  if (owner) {
    await chown(dir, owner.uid, owner.gid);
    await chmod(dir, 0o700);
  }
  return dir;
}

/** Polls `ready` until it answers true, or throws after `ms` (or at once if the process died). */
async function waitUntil(
  ready: () => Promise<boolean>,
  child: ChildProcess,
  ms: number,
  log: () => string,
): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`the server exited: ${log()}`);
    if (await ready().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`the server did not answer in ${ms} ms: ${log()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function killAndWait(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const hard = setTimeout(() => child.kill("SIGKILL"), 10000);
    child.once("exit", () => {
      clearTimeout(hard);
      resolve();
    });
    child.kill("SIGTERM");
  });
}

/** Starts PostgreSQL (trust authentication on 127.0.0.1, user postgres). */
export async function startPostgres(skip: (why: string) => void): Promise<TestServer | undefined> {
  if (!PG_BIN) {
    skip("PostgreSQL's binaries are not installed (apt-get install postgresql)");
    return undefined;
  }
  const owner = runAs("postgres");
  if (process.getuid?.() === 0 && !owner) {
    skip("running as root without a postgres user: initdb refuses root");
    return undefined;
  }
  const dir = await tempFor("atelier-pg-", owner);
  const data = path.join(dir, "data");
  const opts = owner ? { uid: owner.uid, gid: owner.gid } : {};
  const init = spawnSync(
    path.join(PG_BIN, "initdb"),
    ["-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync"],
    {
      ...opts,
      encoding: "utf8",
      cwd: dir,
    },
  );
  if (init.status !== 0) {
    await rm(dir, { recursive: true, force: true });
    skip(`initdb failed: ${init.stderr || init.error?.message}`);
    return undefined;
  }
  const port = await freePort();
  let output = "";
  const child = spawn(
    path.join(PG_BIN, "postgres"),
    ["-D", data, "-p", String(port), "-h", "127.0.0.1", "-k", dir, "-c", "fsync=off"],
    { ...opts, cwd: dir, stdio: ["ignore", "pipe", "pipe"] },
  );
  child.stdout?.on("data", (d) => (output += String(d)));
  child.stderr?.on("data", (d) => (output += String(d)));
  const stop = async () => {
    await killAndWait(child);
    await rm(dir, { recursive: true, force: true });
  };
  try {
    const pg = (await import("pg")).default;
    await waitUntil(
      async () => {
        const c = new pg.Client({ host: "127.0.0.1", port, user: "postgres", database: "postgres" });
        c.on("error", () => {});
        try {
          await c.connect();
          await c.query("select 1");
          return true;
        } finally {
          await c.end().catch(() => {});
        }
      },
      child,
      60000,
      () => output.slice(-2000),
    );
  } catch (e) {
    await stop();
    skip(`PostgreSQL did not start: ${(e as Error).message}`);
    return undefined;
  }
  return { url: `postgres://127.0.0.1:${port}/postgres`, user: "postgres", password: "", stop };
}

/** Starts MariaDB (grant tables skipped: any user; database "test"). */
export async function startMariadb(skip: (why: string) => void): Promise<TestServer | undefined> {
  if (!MARIADBD) {
    skip("MariaDB is not installed (apt-get install mariadb-server)");
    return undefined;
  }
  const owner = runAs("mysql");
  const dir = await tempFor("atelier-maria-", owner);
  const data = path.join(dir, "data");
  const userArgs = owner ? ["--user=mysql"] : [];
  const init = spawnSync(
    "mariadb-install-db",
    ["--no-defaults", `--datadir=${data}`, "--skip-test-db", "--auth-root-authentication-method=normal", ...userArgs],
    { encoding: "utf8", cwd: dir },
  );
  if (init.status !== 0) {
    await rm(dir, { recursive: true, force: true });
    skip(`mariadb-install-db failed: ${init.stderr || init.error?.message}`);
    return undefined;
  }
  const port = await freePort();
  let output = "";
  const child = spawn(
    MARIADBD,
    [
      "--no-defaults",
      `--datadir=${data}`,
      `--port=${port}`,
      "--bind-address=127.0.0.1",
      `--socket=${path.join(dir, "sock")}`,
      `--pid-file=${path.join(dir, "pid")}`,
      "--skip-grant-tables",
      "--skip-log-bin",
      "--innodb-buffer-pool-size=16M",
      "--innodb-log-file-size=8M",
      ...userArgs,
    ],
    { cwd: dir, stdio: ["ignore", "pipe", "pipe"] },
  );
  child.stdout?.on("data", (d) => (output += String(d)));
  child.stderr?.on("data", (d) => (output += String(d)));
  const stop = async () => {
    await killAndWait(child);
    await rm(dir, { recursive: true, force: true });
  };
  try {
    const mysql = (await import("mysql2/promise")).default;
    await waitUntil(
      async () => {
        const c = await mysql.createConnection({ host: "127.0.0.1", port, user: "root" });
        try {
          await c.query("CREATE DATABASE IF NOT EXISTS test");
          return true;
        } finally {
          await c.end().catch(() => {});
        }
      },
      child,
      60000,
      () => output.slice(-2000),
    );
  } catch (e) {
    await stop();
    skip(`MariaDB did not start: ${(e as Error).message}`);
    return undefined;
  }
  return { url: `mysql://127.0.0.1:${port}/test`, user: "root", password: "", stop };
}
