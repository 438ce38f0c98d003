/**
 * The server's commands as an operator types them: admin users, PSCs, setting values, the server
 * itself (started, answering, stopped by SIGTERM), and a deploy from the command line.
 */
import { spawn } from "node:child_process";
import { cp, mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const root = path.resolve(import.meta.dirname, "../../..");
const bin = path.join(root, "bin/atelier.js");
let tmp: string;
let data: string;
let config: string;

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), "atelier-server-cli-"));
  data = path.join(tmp, "data");
  config = path.join(tmp, "config");
});
afterAll(() => rm(tmp, { recursive: true, force: true }));

function atelier(args: string[], stdin?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], {
      cwd: root,
      env: { ...process.env, ATELIER_CONFIG_DIR: config, ATELIER_LOG_LEVEL: "warn" },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d));
    child.stderr.on("data", (d: Buffer) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(stdin ?? "");
  });
}

describe("atelier admin, psc, settings, server, deploy", () => {
  it("adds a user (password on stdin), refuses a short password, lists users", async () => {
    const added = await atelier(
      ["admin", "add-user", "--data", data, "--user", "ada", "--roles", "deploy,view"],
      "a long password\n",
    );
    expect(added.code, added.stderr).toBe(0);
    expect(added.stdout).toContain("Admin user ada added (roles: deploy, view)");
    const short = await atelier(["admin", "add-user", "--data", data, "--user", "bob"], "short\n");
    expect(short.code).not.toBe(0);
    expect(short.stderr).toMatch(/at least 10 characters/);
    expect((await atelier(["admin", "list-users", "--data", data])).stdout).toMatch(/^ada: deploy, view/m);
    const users = await readFile(path.join(data, "admin", "users.json"), "utf8");
    expect(users).not.toContain("a long password");
  });

  it("serves, takes a PSC deploy from the CLI, answers, and stops on SIGTERM", async () => {
    const server = spawn(process.execPath, [bin, "server", "--data", data, "--port", "0"], {
      cwd: root,
      env: { ...process.env, ATELIER_LOG_LEVEL: "warn" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        createInterface({ input: server.stdout! }).on("line", (l) => {
          const m = /^Atelier server: (\S+)/.exec(l);
          if (m) resolve(m[1]!);
        });
        server.once("exit", (c) => reject(new Error(`the server exited (${c})`)));
      });
      const made = await atelier([
        "psc",
        "create",
        "--data",
        data,
        "--user",
        "ada",
        "--url",
        url,
        "--projects",
        "Demo",
        "--expires",
        "1d",
      ]);
      expect(made.code, made.stderr).toBe(0);
      const psc = made.stdout.trim();
      expect(psc).toMatch(/^atlpsc1_\S+$/);
      expect(made.stderr).toMatch(/PSC psc_\w+ for ada, projects Demo, expires/);

      const imported = await atelier(["targets", "import", psc]);
      expect(imported.stdout).toMatch(/^psc_\w+: http:\/\/127\.0\.0\.1:\d+\/ as ada, projects Demo, expires/);
      const id = imported.stdout.split(":")[0]!;

      const project = path.join(tmp, "ws", "Demo");
      await cp(path.join(root, "examples/workspace/Demo"), project, { recursive: true });
      // The example workspace's configuration: its test cases call a local server on loopback.
      await cp(path.join(root, "examples/workspace/atelier.config.yaml"), path.join(tmp, "ws", "atelier.config.yaml"));
      const deployed = await atelier(["deploy", "--project", project, "--psc", id, "--require-tests"]);
      expect(deployed.code, deployed.stderr + deployed.stdout).toBe(0);
      expect(deployed.stdout).toMatch(/Deployed Demo to .*: version 1/);
      const greet = await fetch(`${url}projects/Demo/.json?__sequence=Greet&name=Cli`);
      expect(await greet.json()).toEqual({ greeting: "Hello, Cli!" });

      // A server setting, then the PSC revoked: the next deploy is refused by name.
      const set = await atelier(
        ["settings", "set", "--data", data, "--project", "Demo", "--name", "apiToken", "--secret"],
        "s3cret\n",
      );
      expect(set.code, set.stderr).toBe(0);
      expect((await atelier(["settings", "list", "--data", data, "--project", "Demo"])).stdout).toContain(
        "apiToken = •••••• (secret)",
      );
      expect(await readFile(path.join(data, "admin", "settings.json"), "utf8")).not.toContain("s3cret");
      const listed = await atelier(["psc", "list", "--data", data]);
      const pscId = /^(psc_\w+):/m.exec(listed.stdout)![1]!;
      expect((await atelier(["psc", "revoke", pscId, "--data", data])).stdout).toContain("revoked");
      const refused = await atelier(["deploy", "--project", project, "--psc", psc]);
      expect(refused.code).not.toBe(0);
      expect(refused.stderr).toMatch(/revoked/);

      const exited = new Promise<number | null>((resolve) => server.once("exit", resolve));
      server.kill("SIGTERM");
      expect(await exited).toBe(0);
    } finally {
      if (server.exitCode === null) server.kill("SIGKILL");
    }
  });
});
