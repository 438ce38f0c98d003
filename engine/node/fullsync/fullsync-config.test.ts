import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { readWorkspaceConfig } from "../project/workspace.ts";
import { describePlacement, resolvePlacement } from "./fullsync-config.ts";

const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

async function config(text: string) {
  const dir = await mkdtemp(path.join(os.tmpdir(), "atelier-fsconfig-"));
  dirs.push(dir);
  await writeFile(path.join(dir, "atelier.config.yaml"), text);
  return readWorkspaceConfig(dir);
}

const noDecrypt = (s: string) => s;

describe("FullSync configuration", () => {
  it("reads the fullsync section of atelier.config.yaml and refuses mistakes, naming the key", async () => {
    expect((await config("settings: {a: b}\n")).fullsync).toBeUndefined();
    expect(
      (await config("fullsync:\n  couchUrl: http://couch:5984\n  username: admin\n  passwordEnv: COUCH_PW\n")).fullsync,
    ).toEqual({ couchUrl: "http://couch:5984", username: "admin", passwordEnv: "COUCH_PW" });
    await expect(config("fullsync: yes\n")).rejects.toThrow(/fullsync must be a mapping/);
    await expect(config("fullsync: {couchURL: x}\n")).rejects.toThrow(/fullsync: unknown key "couchURL"/);
    await expect(config("fullsync: {couchUrl: ftp://x}\n")).rejects.toThrow(/couchUrl must be an http/);
    await expect(config("fullsync: {couchUrl: http://x, dataDir: d}\n")).rejects.toThrow(/not both/);
    await expect(config("fullsync: {passwordEnv: 'A B'}\n")).rejects.toThrow(/name of an environment variable/);
    const e = await config("fullsync: {password: 12345}\n").catch((x: Error) => x);
    expect(String(e)).toMatch(/fullsync\.password must be a non-empty text/);
    expect(String(e)).not.toContain("12345");
  });

  it("places databases: options, then the configuration, then .atelier/fullsync in the workspace", () => {
    const ws = "/tmp/ws";
    expect(resolvePlacement(ws, undefined, {}, {}, noDecrypt)).toEqual({
      mode: "embedded",
      dataDir: path.join(ws, ".atelier", "fullsync"),
    });
    expect(resolvePlacement(ws, { dataDir: "data/fs" }, {}, {}, noDecrypt)).toEqual({
      mode: "embedded",
      dataDir: path.join(ws, "data", "fs"),
    });
    expect(resolvePlacement(ws, { couchUrl: "http://c:5984" }, { inMemory: true }, {}, noDecrypt)).toEqual({
      mode: "memory",
    });
  });

  it("takes the CouchDB password from ATELIER_COUCH_PASSWORD, passwordEnv or the (encrypted) file, never the log", () => {
    const cfg = { couchUrl: "http://c:5984/", username: "admin", passwordEnv: "MY_PW", password: "enc:v1:xyz" };
    const decrypt = (s: string) => (s === "enc:v1:xyz" ? "from-file" : s);
    const pick = (env: NodeJS.ProcessEnv, c: typeof cfg | Omit<typeof cfg, "passwordEnv"> = cfg) => {
      const p = resolvePlacement("/ws", c, {}, env, decrypt);
      return p.mode === "couchdb" ? p.couch.password : undefined;
    };
    expect(pick({ ATELIER_COUCH_PASSWORD: "from-atelier", MY_PW: "from-env" })).toBe("from-atelier");
    expect(pick({ MY_PW: "from-env" })).toBe("from-env");
    expect(() => pick({})).toThrow("fullsync.passwordEnv names the environment variable MY_PW, which is not set");
    const { passwordEnv: _p, ...withoutEnv } = cfg;
    expect(pick({}, withoutEnv)).toBe("from-file");
    const placement = resolvePlacement("/ws", cfg, {}, { MY_PW: "s3cret" }, decrypt);
    expect(describePlacement(placement)).toBe("external CouchDB at http://c:5984/ as admin");
  });

  it("moves credentials written in the URL out of it", () => {
    const p = resolvePlacement("/ws", { couchUrl: "http://bob:p%40ss@couch:5984/" }, {}, {}, noDecrypt);
    expect(p).toEqual({
      mode: "couchdb",
      couch: { url: "http://couch:5984/", username: "bob", password: "p@ss" },
      indexDir: path.join("/ws", ".atelier", "fullsync", ".fullsync-index"),
    });
    expect(describePlacement(p)).not.toContain("p@ss");
  });

  it("takes the time limits toward the CouchDB and the index folder from the configuration", async () => {
    const cfg = (
      await config(
        "fullsync:\n  couchUrl: http://couch:5984\n  readTimeoutMs: 2000\n  writeTimeoutMs: 9000\n  queryTimeoutMs: 120000\n  indexDir: idx\n",
      )
    ).fullsync;
    expect(cfg).toEqual({
      couchUrl: "http://couch:5984",
      readTimeoutMs: 2000,
      writeTimeoutMs: 9000,
      queryTimeoutMs: 120000,
      indexDir: "idx",
    });
    expect(resolvePlacement("/ws", cfg, {}, {}, noDecrypt)).toEqual({
      mode: "couchdb",
      couch: { url: "http://couch:5984/", timeouts: { readMs: 2000, writeMs: 9000, queryMs: 120000 } },
      indexDir: path.join("/ws", "idx"),
    });
    // Options win over the file, key by key.
    const p = resolvePlacement("/ws", cfg, { couch: { url: "http://o:1/", timeouts: { readMs: 500 } } }, {}, noDecrypt);
    expect(p).toMatchObject({ couch: { timeouts: { readMs: 500, writeMs: 9000, queryMs: 120000 } } });
    await expect(config("fullsync: {readTimeoutMs: 5s}\n")).rejects.toThrow(
      /readTimeoutMs must be a number of milliseconds/,
    );
    await expect(config("fullsync: {queryTimeoutMs: 10}\n")).rejects.toThrow(/from 100 to 3600000/);
  });
});
