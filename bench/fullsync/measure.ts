/**
 * Figures of the FullSync connector side, on this machine: Post/Get Document runs through the
 * engine, and the delay from a device's write to the back end's PUT (replication, listener,
 * sequence, HTTP transaction). Not a test: `node --import tsx bench/fullsync/measure.ts [memory|leveldb]`.
 */
import { cp, mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import PouchDBModule from "pouchdb";
import memoryAdapter from "pouchdb-adapter-memory";
import { startAtelier } from "../../engine/node/app.ts";
import { EngineLog } from "../../engine/node/log.ts";

interface Db {
  put(doc: Record<string, unknown>): Promise<unknown>;
  bulkDocs(docs: Record<string, unknown>[]): Promise<unknown>;
  destroy(): Promise<void>;
}
interface PouchStatic {
  new (name: string, opts?: Record<string, unknown>): Db;
  plugin(p: unknown): void;
  replicate(from: Db, to: Db): Promise<unknown>;
  fetch(url: string, opts: unknown): Promise<unknown>;
}
const PouchDB = PouchDBModule as unknown as PouchStatic;
PouchDB.plugin(memoryAdapter);

const mode = process.argv[2] === "leveldb" ? "leveldb" : "memory";
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const puts = new Map<string, number>();
const backend = createServer((req, res) => {
  req.resume();
  req.on("end", () => {
    if (req.method === "GET") return res.end(JSON.stringify([{ id: 1, user: "alice", item: "Pen", qty: 1 }]));
    puts.set(String(req.url).split("/").pop() as string, performance.now());
    res.end("{}");
  });
});
await new Promise<void>((r) => backend.listen(0, "127.0.0.1", r));
const backendUrl = `http://127.0.0.1:${(backend.address() as AddressInfo).port}`;
const ws = await mkdtemp(path.join(os.tmpdir(), "atelier-fullsync-measure-"));
await cp(path.join(repoRoot, "examples/workspace/FullSyncDemo"), path.join(ws, "FullSyncDemo"), { recursive: true });
const app = await startAtelier({
  workspaceDir: ws,
  port: 0,
  studio: false,
  fullsync: mode === "memory" ? { inMemory: true } : {},
  settings: { backendUrl },
  log: new EngineLog({ level: "silent" }),
});
const until = async (cond: () => boolean) => {
  while (!cond()) await new Promise((r) => setTimeout(r, 1));
};
try {
  const N = 1000;
  for (const [tx, inputs] of [
    ["PostOrder", (i: number) => ({ data: { _id: `o${i}`, type: "x", i }, _c8oAcl: "alice" })],
    ["GetDocument", (i: number) => ({ docid: `o${i}` })],
  ] as const) {
    const t = performance.now();
    for (let i = 0; i < N; i++) {
      const r = await app.engine.run({
        project: "FullSyncDemo",
        connector: "FullSync",
        transaction: tx,
        inputs: inputs(i),
      });
      if (!r.ok) throw new Error(JSON.stringify(r.error));
    }
    const ms = performance.now() - t;
    console.log(`[${mode}] ${tx} x${N}: ${Math.round(N / (ms / 1000))} runs/s (${(ms / N).toFixed(2)} ms each)`);
  }

  const login = await fetch(`${app.url}projects/FullSyncDemo/.json`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: "__sequence=Login&user=alice&password=alice-pw",
  });
  const cookie = (login.headers.get("set-cookie") ?? "").split(";")[0] as string;
  const remote = new PouchDB(`${app.url}fullsync/fullsyncdemo`, {
    skip_setup: true,
    fetch: (u: string, o: { headers: { set(k: string, v: string): void } }) => {
      o.headers.set("Cookie", cookie);
      return PouchDB.fetch(u, o);
    },
  });
  const device = new PouchDB(`measure-${Date.now()}`, { adapter: "memory" });
  const latencies: number[] = [];
  for (let i = 0; i < 30; i++) {
    const id = String(1000 + i);
    await device.put({ _id: `order-m${i}`, type: "order", id: 1000 + i, item: "Ink", qty: i });
    const start = performance.now();
    await PouchDB.replicate(device, remote);
    await until(() => puts.has(id));
    latencies.push((puts.get(id) as number) - start);
  }
  latencies.sort((a, b) => a - b);
  console.log(
    `[${mode}] device write → back end PUT (30 single pushes): median ${Math.round(latencies[15] as number)} ms, p90 ${Math.round(latencies[27] as number)} ms`,
  );
  const docs = Array.from({ length: 200 }, (_, i) => ({ _id: `order-b${i}`, type: "order", id: 5000 + i, qty: 1 }));
  await device.bulkDocs(docs);
  const t = performance.now();
  await PouchDB.replicate(device, remote);
  const replicated = performance.now() - t;
  await until(() => docs.every((d) => puts.has(String(d.id))));
  console.log(
    `[${mode}] 200 orders in one push: replicated in ${Math.round(replicated)} ms, all at the back end after ${Math.round(performance.now() - t)} ms`,
  );
  await device.destroy();
} finally {
  await app.close();
  backend.close();
  await rm(ws, { recursive: true, force: true });
}
