import { describe, expect, it } from "vitest";
import { fullSyncWorkspace, type FullSyncTestWorkspace } from "../../../../node/testing/fullsync-harness.ts";
import type { PlainObject } from "../../../../node/testing/harness.ts";

const post = (name: string, props: Record<string, unknown> = {}, children: PlainObject[] = []) => ({
  type: "FullSyncPostDocument",
  name,
  ...props,
  children,
});

const connector = {
  type: "FullSyncConnector",
  name: "Db",
  databaseName: "items",
  children: [
    post("AsUser"),
    post("Public", { aclPolicy: "anonymous" }),
    post("Keep", { aclPolicy: "noOp", writePolicy: "merge" }),
    post("ForOwner", { aclPolicy: "fromKeyC8oAcl" }),
    post("Override", { aclPolicy: "fromKeyC8oAcl", writePolicy: "override" }),
    post("Merge", { aclPolicy: "anonymous", writePolicy: "merge" }),
    post("Create", { aclPolicy: "anonymous", writePolicy: "create" }),
    post("WithFields", { aclPolicy: "anonymous" }, [
      { type: "Variable", name: "title" },
      { type: "Variable", name: "qty", dataType: "integer", default: 1 },
    ]),
  ],
};

function userSession(engine: FullSyncTestWorkspace["engine"], user: string) {
  const s = engine.sessions.create();
  s.setUser(user);
  return s;
}

async function stored(ws: FullSyncTestWorkspace, id: string) {
  return ws.fullsync.server.data("items").get(id);
}

describe("FullSync Post Document", () => {
  it("fromAuthenticatedUser (the default) stamps the session's user as ~c8oAcl, whatever the data says", async () => {
    const ws = await fullSyncWorkspace({ connectors: [connector] });
    try {
      const session = userSession(ws.engine, "alice");
      const r = await ws.run({
        connector: "Db",
        transaction: "AsUser",
        inputs: { data: JSON.stringify({ _id: "a", v: 1, "~c8oAcl": "mallory" }) },
        session,
      });
      expect(r.ok).toBe(true);
      expect(r.output).toMatchObject({ ok: true, id: "a" });
      expect(await stored(ws, "a")).toMatchObject({ v: 1, "~c8oAcl": "alice" });
      const anon = await ws.run({ connector: "Db", transaction: "AsUser", inputs: { data: { _id: "b" } } });
      expect(anon.error?.code).toBe("authentication_required");
      expect(anon.error?.status).toBe(401);
      expect(anon.error?.message).toMatch(/^Transaction Db\.AsUser: the ACL policy fromAuthenticatedUser/);
    } finally {
      await ws.close();
    }
  });

  it("anonymous removes the owner; c8oGrp comes from its variable (a list becomes an object)", async () => {
    const ws = await fullSyncWorkspace({ connectors: [connector] });
    try {
      await ws.run({
        connector: "Db",
        transaction: "Public",
        inputs: { data: { _id: "p", "~c8oAcl": "bob", c8oGrp: "old" } },
      });
      const p = await stored(ws, "p");
      expect(p["~c8oAcl"]).toBeUndefined();
      expect(p.c8oGrp).toBe("old");
      await ws.run({ connector: "Db", transaction: "Public", inputs: { data: { _id: "g" }, c8oGrp: "sales" } });
      expect((await stored(ws, "g")).c8oGrp).toBe("sales");
      await ws.run({
        connector: "Db",
        transaction: "Public",
        inputs: { data: { _id: "h" }, c8oGrp: '["sales","hr"]' },
      });
      expect((await stored(ws, "h")).c8oGrp).toEqual({ sales: true, hr: true });
      const bad = await ws.run({
        connector: "Db",
        transaction: "Public",
        inputs: { data: { _id: "i" }, c8oGrp: "[1]" },
      });
      expect(bad.error?.code).toBe("invalid_variable");
    } finally {
      await ws.close();
    }
  });

  it("fromKeyC8oAcl takes the owner from _c8oAcl (variable or key) and never stores _c8oAcl", async () => {
    const ws = await fullSyncWorkspace({ connectors: [connector] });
    try {
      await ws.run({ connector: "Db", transaction: "ForOwner", inputs: { data: { _id: "o1" }, _c8oAcl: "bob" } });
      expect(await stored(ws, "o1")).toMatchObject({ "~c8oAcl": "bob" });
      await ws.run({ connector: "Db", transaction: "ForOwner", inputs: { data: { _id: "o2", _c8oAcl: "carol" } } });
      const o2 = await stored(ws, "o2");
      expect(o2["~c8oAcl"]).toBe("carol");
      expect(o2._c8oAcl).toBeUndefined();
      const none = await ws.run({ connector: "Db", transaction: "ForOwner", inputs: { data: { _id: "o3" } } });
      expect(none.error?.code).toBe("missing_owner");
      expect(none.error?.message).toMatch(/fromKeyC8oAcl.*for "o3"/);
    } finally {
      await ws.close();
    }
  });

  it("noOp keeps the stored document's ACL (owner and groups)", async () => {
    const ws = await fullSyncWorkspace({ connectors: [connector] });
    try {
      await ws.fullsync.server.data("items").put({ _id: "k", v: 1, "~c8oAcl": "bob", c8oGrp: "team" });
      const session = userSession(ws.engine, "alice");
      const r = await ws.run({
        connector: "Db",
        transaction: "Keep",
        inputs: { data: { _id: "k", v: 2, "~c8oAcl": "alice", c8oGrp: "other" } },
        session,
      });
      expect(r.ok).toBe(true);
      expect(await stored(ws, "k")).toMatchObject({ v: 2, "~c8oAcl": "bob", c8oGrp: "team" });
    } finally {
      await ws.close();
    }
  });

  it("none refuses to overwrite without the current revision, naming document and database", async () => {
    const ws = await fullSyncWorkspace({ connectors: [connector] });
    try {
      await ws.run({ connector: "Db", transaction: "Public", inputs: { data: { _id: "c", v: 1 } } });
      const r = await ws.run({ connector: "Db", transaction: "Public", inputs: { data: { _id: "c", v: 2 } } });
      expect(r.error?.code).toBe("document_conflict");
      expect(r.error?.status).toBe(409);
      expect(r.error?.message).toMatch(/^Transaction Db\.Public: the document "c" of the FullSync database "items"/);
      const rev = (await stored(ws, "c"))._rev;
      const ok = await ws.run({
        connector: "Db",
        transaction: "Public",
        inputs: { data: { _id: "c", _rev: rev, v: 3 } },
      });
      expect(ok.ok).toBe(true);
      expect((await stored(ws, "c")).v).toBe(3);
    } finally {
      await ws.close();
    }
  });

  it("override replaces, merge merges deeply, create makes a new document", async () => {
    const ws = await fullSyncWorkspace({ connectors: [connector] });
    try {
      const data = ws.fullsync.server.data("items");
      await data.put({ _id: "m", a: { x: 1, y: 2 }, keep: true });
      const merged = await ws.run({
        connector: "Db",
        transaction: "Merge",
        inputs: { data: { _id: "m", a: { y: 3 } } },
      });
      expect(merged.ok).toBe(true);
      expect(await stored(ws, "m")).toMatchObject({ a: { x: 1, y: 3 }, keep: true });

      const first = await ws.run({
        connector: "Db",
        transaction: "Override",
        inputs: { data: { _id: "o", v: 1 }, _c8oAcl: "bob" },
      });
      expect(first.ok).toBe(true);
      const second = await ws.run({
        connector: "Db",
        transaction: "Override",
        inputs: { data: { _id: "o", w: 2 }, _c8oAcl: "bob" },
      });
      expect(second.ok).toBe(true);
      const o = await stored(ws, "o");
      expect(o.v).toBeUndefined();
      expect(o).toMatchObject({ w: 2, "~c8oAcl": "bob" });
      expect(o._rev?.startsWith("2-")).toBe(true);

      const created = await ws.run({ connector: "Db", transaction: "Create", inputs: { data: { _id: "m", z: 1 } } });
      const id = (created.output as { id: string }).id;
      expect(id).not.toBe("m");
      expect(await stored(ws, id)).toMatchObject({ z: 1 });
    } finally {
      await ws.close();
    }
  });

  it("adds one field per declared variable, with _id from its variable", async () => {
    const ws = await fullSyncWorkspace({ connectors: [connector] });
    try {
      const r = await ws.run({
        connector: "Db",
        transaction: "WithFields",
        inputs: { _id: "f", title: "Hello", data: { other: true } },
      });
      expect(r.ok).toBe(true);
      expect(await stored(ws, "f")).toMatchObject({ title: "Hello", qty: 1, other: true });
      const bad = await ws.run({ connector: "Db", transaction: "WithFields", inputs: { data: "[1]" } });
      expect(bad.error?.code).toBe("invalid_variable");
      expect(bad.error?.message).toMatch(/"data" must be a JSON object/);
    } finally {
      await ws.close();
    }
  });
});
