import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createFullSync, type FullSyncServerExt } from "../index.ts";

const decl = (name: string, extra: Record<string, unknown> = {}) => ({
  name,
  anonymousReplication: false,
  revsLimit: 10,
  project: "P",
  connector: "C",
  ...extra,
});

const servers: FullSyncServerExt[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

async function open(dataDir?: string): Promise<FullSyncServerExt> {
  const s = await createFullSync({ dataDir, resolvePrincipal: () => undefined, log: () => {} });
  servers.push(s);
  return s;
}

describe("createFullSync: server-side API", () => {
  it("gives trusted data access to declared databases only", async () => {
    const s = await open();
    await s.setDatabases([decl("items")]);
    const data = s.data("items");
    const w = await data.put({ _id: "a", v: 1, "~c8oAcl": "alice" });
    expect(w.ok).toBe(true);
    expect((await data.get("a")).v).toBe(1);
    const p = await data.post({ v: 2 });
    expect(p.id).toBeTruthy();
    const all = (await data.allDocs({ include_docs: true })) as { rows: { id: string }[] };
    expect(all.rows.filter((r) => !r.id.startsWith("_design/")).length).toBe(2);
    expect(() => s.data("other")).toThrow(/not declared/);
    await s.setDatabases([]);
    expect(() => s.data("items")).toThrow(/not declared/);
  });

  it("keeps the ACL keys on a tombstone written by trusted code", async () => {
    const s = await open();
    await s.setDatabases([decl("items")]);
    const data = s.data("items");
    await data.put({ _id: "a", "~c8oAcl": "alice", c8oGrp: "team" });
    const r = await data.remove("a");
    const tomb = await data.get("a", { rev: r.rev });
    expect(tomb._deleted).toBe(true);
    expect(tomb["~c8oAcl"]).toBe("alice");
    expect(tomb.c8oGrp).toBe("team");
  });

  it("refuses invalid database names, never serves the group database, keeps the valid ones", async () => {
    const logs: string[] = [];
    const s = await createFullSync({ resolvePrincipal: () => undefined, log: (_l, m) => logs.push(m) });
    servers.push(s);
    await s.setDatabases([decl("Bad Name"), decl("c8ofullsyncgrp"), decl("good_1")]);
    expect(s.databases()).toEqual(["good_1"]);
    expect(logs.join("\n")).toMatch(/Bad Name/);
  });

  it("gives the group database to a connector declaring it (lib_FullSyncGrp): its views, its documents", async () => {
    const s = await open();
    const byGroup = {
      map: 'function (doc) { if (doc.type == "c8oGrp") emit(doc.group, doc.user); }',
      reduce: "_count",
    };
    expect(() => s.data("c8ofullsyncgrp")).toThrow(/not declared/);
    await s.setDatabases([decl("c8ofullsyncgrp", { designDocs: [{ name: "design", views: { byGroup } }] })]);
    expect(s.databases()).toEqual([]);
    await s.groups.addUserToGroup("ada", "admins");
    const data = s.data("c8ofullsyncgrp");
    await data.put({ _id: "bob-admins", type: "c8oGrp", user: "bob", group: "admins" });
    const q = (await data.query("design/byGroup", { group: true })) as { rows: { key: string; value: number }[] };
    expect(q.rows).toEqual([{ key: "admins", value: 2 }]);
    // A membership written through the data API is the group store's too.
    await vi.waitFor(() => expect(s.groups.groupsOf("bob")).toEqual(["admins"]));
    await s.setDatabases([]);
    expect(() => s.data("c8ofullsyncgrp")).toThrow(/not declared/);
  });

  it("installs design documents and _design/c8o", async () => {
    const s = await open();
    await s.setDatabases([
      decl("items", { designDocs: [{ name: "byType", views: { t: { map: "function (doc) { emit(doc.type); }" } } }] }),
    ]);
    const data = s.data("items");
    await data.put({ _id: "x", type: "k" });
    const q = (await data.query("byType/t", { key: "k" })) as { rows: { id: string }[] };
    expect(q.rows.map((r) => r.id)).toEqual(["x"]);
    const c8o = await data.get("_design/c8o");
    expect(typeof c8o["~c8oDbVersion"]).toBe("string");
  });

  it("keeps groups in c8ofullsyncgrp and answers groupsOf synchronously", async () => {
    const dir = await mkdtemp(join(tmpdir(), "fullsync-"));
    dirs.push(dir);
    const s = await open(dir);
    await s.groups.addUserToGroup("alice", "team");
    await s.groups.addUserToGroup("alice", "sales");
    await s.groups.addUserToGroup("bob", "team");
    await s.groups.addUserToGroup("bob", "team"); // twice: one membership
    expect(s.groups.groupsOf("alice")).toEqual(["sales", "team"]);
    expect(await s.groups.usersOf("team")).toEqual(["alice", "bob"]);
    expect(await s.groups.listGroups()).toEqual(["sales", "team"]);
    await s.groups.removeUserFromGroup("alice", "sales");
    expect(s.groups.groupsOf("alice")).toEqual(["team"]);
    await expect(s.groups.addUserToGroup("", "x")).rejects.toThrow(/user/);
    await s.close();
    servers.splice(servers.indexOf(s), 1);
    // Persisted: a new server on the same folder knows them, stored as Convertigo's documents.
    const s2 = await open(dir);
    expect(s2.groups.groupsOf("alice")).toEqual(["team"]);
    expect(s2.groups.groupsOf("bob")).toEqual(["team"]);
  });
});
