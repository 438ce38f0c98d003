// bench/fullsync server process: a FullSync server (LevelDB in --dir/fullsync) on 127.0.0.1.
// Loads the data set on first start, then prints one JSON line {fullsync, load, index} and serves
// until SIGTERM (which saves the index snapshot). The floor (plain express-pouchdb) is a process
// of its own (floor-server.ts), so each one's memory is measured apart.
// Sessions: the cookie `sid=<user>` is that user (a benchmark only: never do this in a product).
// GET /_bench/memory answers process.memoryUsage() (?gc=1: after full collections); SIGUSR2 writes a heap snapshot into --dir.
import { writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import { Session } from "node:inspector";
import type { AddressInfo } from "node:net";
import { createFullSync } from "../../embedded-db/index.ts";
import v8 from "node:v8";
import { bigSet, smallSet, groupOf, type BenchSizes } from "./data.ts";

const arg = (name: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
};
const dir = arg("dir");
if (!dir) throw new Error("--dir is required");
const sizes: BenchSizes = JSON.parse(arg("sizes") ?? "{}") as BenchSizes;

const listen = async (server: Server) => {
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
};

const fs = await createFullSync({
  dataDir: `${dir}/fullsync`,
  resolvePrincipal: (req) => {
    const m = /(?:^|;\s*)sid=([^;]+)/.exec(req.headers.cookie ?? "");
    return m ? { user: decodeURIComponent(m[1]!), groups: [] } : undefined;
  },
  log: (level, m) => {
    if (level !== "debug") process.stderr.write(`[server ${level}] ${m}\n`);
  },
});
const load: Record<string, number> = {};
const t0 = performance.now();
await fs.setDatabases([
  { name: "big", anonymousReplication: false, revsLimit: 10, project: "bench", connector: "fs" },
  { name: "small", anonymousReplication: false, revsLimit: 10, project: "bench", connector: "fs" },
]);
const index = { big: fs.indexStats("big"), small: fs.indexStats("small"), openMs: performance.now() - t0 };

for (const [name, gen] of [
  ["big", bigSet],
  ["small", smallSet],
] as const) {
  const data = fs.data(name);
  const info = (await data.allDocs({ limit: 0 })) as { total_rows: number };
  if (info.total_rows > 1) continue; // loaded on a previous start (only _design/c8o otherwise)
  const t = performance.now();
  const docs = gen(sizes);
  for (let i = 0; i < docs.length; i += 1000) await data.bulkDocs(docs.slice(i, i + 1000));
  await fs.flush(name);
  load[name] = performance.now() - t;
}
for (let u = 0; u < sizes.users; u++) {
  const user = `user${String(u).padStart(3, "0")}`;
  if (!fs.groups.groupsOf(user).length) await fs.groups.addUserToGroup(user, groupOf(u, sizes));
}

// POST /_bench/cpu/start, then /_bench/cpu/stop?out=FILE: a CPU profile of a window only.
const inspector = new Session();
inspector.connect();
const post = (method: string) =>
  new Promise<unknown>((resolve, reject) => inspector.post(method, (err, r) => (err ? reject(err) : resolve(r))));
const fsServer = createServer((req, res) => {
  if (req.method === "POST" && req.url?.startsWith("/_bench/cpu/")) {
    const out = new URL(req.url, "http://x").searchParams.get("out");
    const done = req.url.startsWith("/_bench/cpu/start")
      ? post("Profiler.enable").then(() => post("Profiler.start"))
      : post("Profiler.stop").then((r) => writeFile(out!, JSON.stringify((r as { profile: unknown }).profile)));
    return void done.then(
      () => res.end("ok"),
      (e: unknown) => ((res.statusCode = 500), res.end(String(e))),
    );
  }
  if (req.url === "/_bench/memory" || req.url === "/_bench/memory?gc=1") {
    // ?gc=1: after full collections (the server runs with --expose-gc), what it holds.
    if (req.url.endsWith("gc=1")) for (let i = 0; i < 2; i++) (globalThis as { gc?: () => void }).gc?.();
    res.setHeader("Content-Type", "application/json");
    return res.end(JSON.stringify(process.memoryUsage()));
  }
  fs.handle(req, res);
});
const fsUrl = await listen(fsServer);
process.stdout.write(JSON.stringify({ fullsync: `${fsUrl}/fullsync`, load, index }) + "\n");

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  fsServer.closeAllConnections();
  await new Promise((r) => fsServer.close(r));
  await fs.close();
  process.exit(0);
};
process.on("SIGUSR2", () => {
  const f = v8.writeHeapSnapshot(`${dir}/fullsync-${Date.now()}.heapsnapshot`);
  process.stderr.write(`[server] heap snapshot ${f}\n`);
});
process.on("SIGTERM", () => void stop());
process.stdin.on("end", () => void stop());
process.stdin.resume();
