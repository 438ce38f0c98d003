import { spawn } from "node:child_process";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { DEFAULT_ITERATIONS, verifyPassword } from "../../common/model/password.ts";
import { HASH_PASSWORD_DEFAULT_ITERATIONS } from "./main.ts";

const root = path.resolve(import.meta.dirname, "../../..");

function hashPasswordCli(
  input: string,
  args: string[] = [],
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(root, "bin/atelier.js"), "hash-password", ...args], { cwd: root });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d));
    child.stderr.on("data", (d: Buffer) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(input);
  });
}

describe("atelier hash-password", () => {
  it("shows password.ts's default iterations in its help (main.ts names them without loading password.ts)", () => {
    expect(HASH_PASSWORD_DEFAULT_ITERATIONS).toBe(DEFAULT_ITERATIONS);
  });

  it("prints a salted hash of the password read from stdin, which Check Password accepts", async () => {
    const r = await hashPasswordCli("alice-pw\n", ["--iterations", "100000"]);
    expect(r.code).toBe(0);
    const hash = r.stdout.trim();
    expect(hash).toMatch(/^pbkdf2-sha256\$100000\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
    expect(await verifyPassword("alice-pw", hash)).toBe(true);
    expect(await verifyPassword("alice-pw\n", hash)).toBe(false);
    // Salted: the same password never gives the same hash.
    expect((await hashPasswordCli("alice-pw", ["--iterations", "100000"])).stdout.trim()).not.toBe(hash);
  });

  it("refuses an empty password and a weak iteration count", async () => {
    const empty = await hashPasswordCli("");
    expect(empty.code).toBe(2);
    expect(empty.stderr).toMatch(/give the password on stdin/);
    const weak = await hashPasswordCli("x", ["--iterations", "10"]);
    expect(weak.code).toBe(2);
    expect(weak.stderr).toMatch(/--iterations must be a whole number/);
  });
});
