// bench/fullsync floor process: a plain express-pouchdb server (embedded-db/test/couch-server.ts,
// LevelDB in --dir) on 127.0.0.1, in a process of its own so its memory is measured apart from
// FullSync's. It serves the databases found in --dir (run.ts copies the FullSync server's `big`
// and `small` LevelDB folders there: the same documents, revisions and sequences) and `floor`, the
// unfiltered database of the cold-pull floor (the 1,990 documents a user sees, without ACL keys),
// loaded on first start. Prints one JSON line {floor, dbs} and serves until SIGTERM or stdin's end.
// GET /_bench/memory answers process.memoryUsage() (?gc=1: after full collections); SIGUSR2 writes a heap snapshot into --dir.
import { existsSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import v8 from "node:v8";
import { couchApp } from "../../embedded-db/test/couch-server.ts";
import { floorSet, type BenchSizes } from "./data.ts";

const arg = (name: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
};
const dir = arg("dir");
if (!dir) throw new Error("--dir is required");
const sizes: BenchSizes = JSON.parse(arg("sizes") ?? "{}") as BenchSizes;

const app = await couchApp({ dir });
const server = createServer((req, res) => {
  if (req.url === "/_bench/memory" || req.url === "/_bench/memory?gc=1") {
    // ?gc=1: after full collections (the server runs with --expose-gc), what it holds.
    if (req.url.endsWith("gc=1")) for (let i = 0; i < 2; i++) (globalThis as { gc?: () => void }).gc?.();
    res.setHeader("Content-Type", "application/json");
    return res.end(JSON.stringify(process.memoryUsage()));
  }
  app(req, res);
});
await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
const call = async (method: string, p: string, body?: unknown) => {
  const r = await fetch(`${url}${p}`, {
    method,
    headers: body ? { "Content-Type": "application/json" } : {},
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  return { status: r.status, body: (await r.json()) as Record<string, unknown> };
};
const dbs: Record<string, number> = {};
for (const name of ["big", "small", "floor"]) {
  // A database whose files are there is opened as it is (PUT makes the server know of it: 201
  // the first time, 412 once known).
  if (name !== "floor" && !existsSync(`${dir}/${name}`)) continue;
  const put = await call("PUT", `/${name}`);
  if (put.status !== 201 && put.status !== 412) throw new Error(`PUT /${name}: HTTP ${put.status}`);
  let info = await call("GET", `/${name}`);
  if (name === "floor" && info.body.doc_count === 0) {
    const docs = floorSet(sizes);
    for (let i = 0; i < docs.length; i += 1000) {
      const w = await call("POST", "/floor/_bulk_docs", { docs: docs.slice(i, i + 1000) });
      if (w.status !== 201) throw new Error(`loading the floor: HTTP ${w.status}`);
    }
    info = await call("GET", `/${name}`);
  }
  dbs[name] = Number(info.body.doc_count);
}
process.stdout.write(JSON.stringify({ floor: url, dbs }) + "\n");

process.on("SIGUSR2", () => {
  const f = v8.writeHeapSnapshot(`${dir}/floor-${Date.now()}.heapsnapshot`);
  process.stderr.write(`[floor] heap snapshot ${f}\n`);
});
let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  process.exit(0);
};
process.on("SIGTERM", () => void stop());
process.stdin.on("end", () => void stop());
process.stdin.resume();
