import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { encodePsc, parsePsc, PscError } from "../deploy/psc.ts";
import { AdminAuthError, AdminStore } from "./admin-store.ts";
import { AuditLog } from "./audit.ts";
import { hashAdminPassword, verifyAdminPassword } from "./passwords.ts";
import { LoginThrottle } from "./throttle.ts";

const temps: string[] = [];
async function store(): Promise<AdminStore> {
  const d = await mkdtemp(path.join(os.tmpdir(), "atelier-admin-"));
  temps.push(d);
  return new AdminStore(d);
}
afterAll(async () => {
  for (const d of temps) await rm(d, { recursive: true, force: true });
});

async function problem(p: Promise<unknown>): Promise<string> {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(PscError);
  return (e as PscError).problem;
}

describe("admin passwords", () => {
  it("scrypt hashes verify, wrong passwords and damaged hashes do not", async () => {
    const h = await hashAdminPassword("correct horse battery");
    expect(h).toMatch(/^scrypt\$15\$8\$1\$/);
    expect(await verifyAdminPassword("correct horse battery", h)).toBe(true);
    expect(await verifyAdminPassword("correct horse batterY", h)).toBe(false);
    expect(await verifyAdminPassword("x", "scrypt$40$8$1$a$b")).toBe(false);
    expect(await verifyAdminPassword("x", "plain")).toBe(false);
    await expect(hashAdminPassword("short")).rejects.toThrow(/at least 10/);
  });
});

describe("login throttling", () => {
  it("waits after the free failures, doubling, and forgets after the window", () => {
    let t = 0;
    const th = new LoginThrottle({ freeFailures: 2, baseDelayMs: 1000, windowMs: 60_000 }, () => t);
    const k = ["user:a"];
    th.failed(k);
    expect(th.waitMs(k)).toBe(0);
    th.failed(k);
    expect(th.waitMs(k)).toBe(1000);
    th.failed(k);
    expect(th.waitMs(k)).toBe(2000);
    t += 61_000;
    expect(th.waitMs(k)).toBe(0);
  });

  it("bounds what it remembers", () => {
    const th = new LoginThrottle({ maxKeys: 100 });
    for (let i = 0; i < 1000; i++) th.failed([`ip:${i}`]);
    expect((th as unknown as { entries: Map<string, unknown> }).entries.size).toBe(100);
  });
});

describe("the admin store", () => {
  it("users: added with roles, logged in, refused with one message, throttled", async () => {
    const s = await store();
    await s.addUser("ada", "a long password", ["deploy", "view"]);
    await expect(s.addUser("ada", "a long password", ["view"])).rejects.toThrow(/exists already/);
    await expect(s.addUser("bad name", "a long password", ["view"])).rejects.toThrow(/not a valid user name/);
    await expect(s.addUser("bob", "a long password", ["root" as never])).rejects.toThrow(/Roles must be/);
    expect(await s.login("ada", "a long password", "1.2.3.4")).toMatchObject({
      user: "ada",
      roles: ["deploy", "view"],
    });
    const wrong = await s.login("ada", "nope", "1.2.3.4").catch((e: unknown) => e);
    const nobody = await s.login("nobody", "nope", "1.2.3.4").catch((e: unknown) => e);
    expect((wrong as AdminAuthError).message).toBe((nobody as AdminAuthError).message);
    for (let i = 0; i < 5; i++) await s.login("ada", "nope", "5.6.7.8").catch(() => undefined);
    const limited = await s.login("ada", "a long password", "5.6.7.8").catch((e: unknown) => e);
    expect(limited).toMatchObject({ status: 429, code: "too_many_attempts" });
    const users = await s.listUsers();
    expect(JSON.stringify(users)).not.toContain("scrypt");
    const file = path.join(s.dir, "users.json");
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(await readFile(file, "utf8")).not.toContain("a long password");
  });

  it("PSCs: issued, verified, scoped, revoked at once, expired, tampered, from another server", async () => {
    const s = await store();
    await s.addUser("ada", "a long password", ["deploy"]);
    const { text } = await s.createPsc({
      user: "ada",
      url: "http://127.0.0.1:1234/",
      projects: ["Demo"],
      expiresInMs: 3_600_000,
      label: "laptop",
    });
    const p = await s.verifyPsc(text);
    expect(p).toMatchObject({ user: "ada", roles: ["deploy"], projects: ["Demo"] });
    expect(await readFile(path.join(s.dir, "tokens.json"), "utf8")).not.toContain(parsePsc(text).secret);
    // Widened scope, re-encoded with a valid checksum: the signature says no.
    expect(await problem(s.verifyPsc(encodePsc({ ...parsePsc(text), projects: ["*"] })))).toBe("tampered");
    // Another server's PSC.
    const other = await store();
    await other.addUser("ada", "a long password", ["deploy"]);
    const foreign = await other.createPsc({ user: "ada", url: "http://x/", projects: ["*"], expiresInMs: 60_000 });
    expect(await problem(s.verifyPsc(foreign.text))).toBe("wrong_server");
    expect(await problem(s.verifyPsc(text, Date.now() + 2 * 3_600_000))).toBe("expired");
    expect(await s.revoke(p.via)).toBe(true);
    expect(await problem(s.verifyPsc(text))).toBe("revoked");
    expect((await s.listTokens())[0]).toMatchObject({ id: p.via, label: "laptop", revokedAt: expect.any(String) });
    expect(JSON.stringify(await s.listTokens())).not.toContain("secretHash");
  });

  it("a PSC of a removed user stops working", async () => {
    const s = await store();
    await s.addUser("ada", "a long password", ["deploy"]);
    const { text } = await s.createPsc({ user: "ada", url: "http://x/", projects: ["*"], expiresInMs: 60_000 });
    await s.removeUser("ada");
    expect(await problem(s.verifyPsc(text))).toBe("revoked");
  });
});

describe("the audit log", () => {
  it("appends lines and reads the last ones back, per project", async () => {
    const d = await mkdtemp(path.join(os.tmpdir(), "atelier-audit-"));
    temps.push(d);
    const log = new AuditLog(path.join(d, "audit.jsonl"));
    for (let i = 0; i < 300; i++) {
      await log.append({
        user: "ada",
        via: "password",
        from: "::1",
        action: "deploy",
        project: i % 2 ? "A" : "B",
        version: i,
        ok: true,
      });
    }
    const last = await log.tail(5);
    expect(last.map((r) => r.version)).toEqual([295, 296, 297, 298, 299]);
    expect((await log.tail(3, "A")).map((r) => r.version)).toEqual([295, 297, 299]);
  });
});
