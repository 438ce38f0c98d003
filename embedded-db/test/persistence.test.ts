import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { decl, ids, pull, startHarness, type Harness } from "./harness.ts";

const dirs: string[] = [];
const harnesses: Harness[] = [];
afterEach(async () => {
  for (const h of harnesses.splice(0)) await h.close().catch(() => {});
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});
const tempDir = async () => {
  const d = await mkdtemp(join(tmpdir(), "fullsync-persist-"));
  dirs.push(d);
  return d;
};
const start = async (dataDir: string) => {
  const h = await startHarness({ dataDir });
  harnesses.push(h);
  return h;
};

describe("LevelDB files, index snapshot, revision limit", () => {
  it("keeps data and the principal index across restarts (snapshot), and rebuilds when the snapshot is bad", async () => {
    const dir = await tempDir();
    let h = await start(dir);
    await h.fs.setDatabases([decl("items")]);
    await h.fs
      .data("items")
      .bulkDocs([{ _id: "a1", "~c8oAcl": "alice" }, { _id: "b1", "~c8oAcl": "bob" }, { _id: "p1" }]);
    const dev = h.device();
    await pull(h.remote("items", h.login("alice")), dev);
    expect(await ids(dev)).toEqual(["a1", "p1"]);
    expect(h.fs.indexStats("items")?.source).toBe("rebuilt");
    await h.close();
    harnesses.splice(0);
    expect((await readdir(dir)).sort()).toContain(".fullsync-index");

    h = await start(dir);
    await h.fs.setDatabases([decl("items")]);
    expect(h.fs.indexStats("items")).toMatchObject({ source: "snapshot", docs: 3 });
    await h.fs.data("items").put({ _id: "a2", "~c8oAcl": "alice" });
    const dev2 = h.device();
    await pull(h.remote("items", h.login("alice")), dev2);
    expect(await ids(dev2)).toEqual(["a1", "a2", "p1"]);
    await h.close();
    harnesses.splice(0);

    // A damaged snapshot: rebuilt from the change feed, same answers.
    const snapDir = join(dir, ".fullsync-index");
    for (const f of await readdir(snapDir)) await writeFile(join(snapDir, f), "{broken");
    h = await start(dir);
    await h.fs.setDatabases([decl("items")]);
    expect(h.fs.indexStats("items")?.source).toBe("rebuilt");
    expect(h.logs.join("\n")).toMatch(/snapshot .* unreadable/);
    const dev3 = h.device();
    await pull(h.remote("items", h.login("alice")), dev3);
    expect(await ids(dev3)).toEqual(["a1", "a2", "p1"]);
  });

  it("applies the revision limit of the declaration", async () => {
    const dir = await tempDir();
    const h = await start(dir);
    await h.fs.setDatabases([decl("items", { revsLimit: 5 })]);
    const data = h.fs.data("items");
    let rev = (await data.put({ _id: "r", "~c8oAcl": "alice", n: 0 })).rev;
    for (let n = 1; n < 20; n++) rev = (await data.put({ _id: "r", _rev: rev, "~c8oAcl": "alice", n })).rev;
    const doc = await data.get("r", { revs: true });
    expect(String(doc._rev).startsWith("20-")).toBe(true);
    expect((doc._revisions as { ids: string[] }).ids.length).toBe(5);
    // Devices' writes are limited too.
    const sid = h.login("alice");
    let cur = rev;
    for (let n = 0; n < 8; n++) {
      const r = await h.request("PUT", `/items/r?rev=${cur}`, { sid, body: { "~c8oAcl": "alice", n } });
      expect(r.status).toBe(201);
      cur = (r.body as { rev: string }).rev;
    }
    const after = await data.get("r", { revs: true });
    expect((after._revisions as { ids: string[] }).ids.length).toBe(5);
    // Without a limit in the declaration, the default is 10.
    await h.fs.setDatabases([decl("other", { revsLimit: 0 })]);
    const o = h.fs.data("other");
    let orev = (await o.put({ _id: "x" })).rev;
    for (let n = 0; n < 15; n++) orev = (await o.put({ _id: "x", _rev: orev })).rev;
    expect(((await o.get("x", { revs: true }))._revisions as { ids: string[] }).ids.length).toBe(10);
  });
});
