// bench/fullsync --profile helper: starts bench/fullsync/server.ts over a folder kept by a run
// (--keep) with --cpu-prof, pulls as the benchmark does (cold pulls of user007, 20 users at
// once), then has the server write a heap snapshot (SIGUSR2) and stop (its CPU profile).
// node --import tsx bench/fullsync/profile.ts --dir KEPT_DIR [--out DIR] [--cpu] [--cpu-push] [--no-heap] [--node-arg FLAG]...
import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import path from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { PouchDB, ensureMemoryAdapter, type PouchDb } from "../../embedded-db/pouch.ts";
import { FULL, userName } from "./data.ts";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const arg = (n: string) => {
  const i = process.argv.indexOf(`--${n}`);
  return i > 0 ? process.argv[i + 1] : undefined;
};
const dir = arg("dir")!;
const out = arg("out") ?? dir;
const child = spawn(
  "taskset",
  [
    "-c",
    "0",
    process.execPath,
    "--expose-gc",
    ...(process.argv.includes("--cpu") ? ["--cpu-prof", `--cpu-prof-dir=${out}`] : []),
    // --node-arg X (repeatable): a flag for the server's node (e.g. --trace-gc).
    ...process.argv.flatMap((a, i) => (process.argv[i - 1] === "--node-arg" ? [a] : [])),
    "--import",
    "tsx",
    path.join(ROOT, "bench/fullsync/server.ts"),
    "--dir",
    dir,
    "--sizes",
    JSON.stringify(FULL),
  ],
  { stdio: ["pipe", "pipe", "inherit"], cwd: ROOT },
);
// The server's first JSON line says where it listens; anything else it prints (--trace-gc) is passed on.
const info = await new Promise<{ fullsync: string }>((r) => {
  let told = false;
  createInterface({ input: child.stdout! }).on("line", (l) => {
    if (!told && l.startsWith("{")) {
      told = true;
      r(JSON.parse(l) as { fullsync: string });
    } else console.error(`[server] ${l}`);
  });
});
await ensureMemoryAdapter();
const Mem = PouchDB.defaults({ adapter: "memory" });
const replicate = (
  PouchDB as unknown as { replicate(a: unknown, b: unknown, o: unknown): Promise<{ docs_written: number }> }
).replicate;
const remote = (user: string) =>
  new PouchDB(`${info.fullsync}/big`, {
    skip_setup: true,
    fetch: (u: string, o: { headers: { set(k: string, v: string): void } }) => {
      o.headers.set("Cookie", `sid=${user}`);
      return PouchDB.fetch(u, o);
    },
  });
const pull = async (user: string, keep?: PouchDb[]) => {
  const d = new Mem(`p-${randomUUID()}`);
  const t = performance.now();
  const r = await replicate(remote(user), d, { batch_size: 100 });
  const ms = performance.now() - t;
  if (keep) keep.push(d);
  else await d.destroy();
  return { ms, docs: r.docs_written };
};
/** CPU seconds the server used (user + system), from /proc. */
const serverCpu = async () => {
  const { readFile } = await import("node:fs/promises");
  const stat = await readFile(`/proc/${child.pid}/stat`, "utf8").catch(() => "");
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(f[11]) + Number(f[12])) / 100;
};
const mem = async (gc = false) =>
  (await (await fetch(`${new URL(info.fullsync).origin}/_bench/memory${gc ? "?gc=1" : ""}`)).json()) as Record<
    string,
    number
  >;
console.log("start", await mem());
console.log("start, after full collections", await mem(true));
for (let i = 0; i < 5; i++) console.log("pull", await pull(userName(7)));
const t = performance.now();
const devices: PouchDb[] = [];
await Promise.all(Array.from({ length: 20 }, (_, u) => pull(userName(u), devices)));
console.log("20 at once", performance.now() - t, "ms");
// Their first push: every document offered back (`_revs_diff`), nothing to send.
{
  const origin = new URL(info.fullsync).origin;
  if (process.argv.includes("--cpu-push")) await fetch(`${origin}/_bench/cpu/start`, { method: "POST" });
  const cpu0 = await serverCpu();
  const t0 = performance.now();
  const pushed = await Promise.all(devices.map((d, u) => replicate(d, remote(userName(u)), { batch_size: 100 })));
  console.log(
    "20 first pushes at once",
    Math.round(performance.now() - t0),
    "ms, server CPU",
    (await serverCpu()) - cpu0,
    "s, documents written",
    pushed.reduce((n, r) => n + r.docs_written, 0),
  );
  if (process.argv.includes("--cpu-push")) {
    const file = path.join(out, `push-${Date.now()}.cpuprofile`);
    await fetch(`${origin}/_bench/cpu/stop?out=${encodeURIComponent(file)}`, { method: "POST" });
    console.log("CPU profile of the pushes:", file);
  }
  await Promise.all(devices.map((d) => d.destroy()));
}
console.log("after", await mem());
// What the server holds once idle: V8's memory reducer shrinks the heap after several quiet seconds.
for (const s of [3, 10, 20]) {
  await new Promise((r) => setTimeout(r, (s - (s === 3 ? 0 : s === 10 ? 3 : 10)) * 1000));
  console.log(`after ${s} s`, await mem());
}
console.log("after full collections", await mem(true));
// Resident memory by mapping kind (/proc/PID/smaps): the heap's spaces and malloc arenas are anonymous.
{
  const { readFile } = await import("node:fs/promises");
  const smaps = await readFile(`/proc/${child.pid}/smaps`, "utf8");
  const kinds = new Map<string, number>();
  let kind = "";
  for (const line of smaps.split("\n")) {
    const m = /^([0-9a-f]+)-([0-9a-f]+) \S+ \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (m) {
      const size = (parseInt(m[2]!, 16) - parseInt(m[1]!, 16)) / 2 ** 20;
      kind = m[3]
        ? m[3].startsWith("/")
          ? "file " + (m[3].endsWith(".ldb") ? "*.ldb" : m[3].split("/").pop())
          : m[3]
        : `anon ${size >= 60 ? ">=60MB" : size >= 1 ? "1-60MB" : "<1MB"}`;
      continue;
    }
    const r = /^Rss:\s+(\d+) kB/.exec(line);
    if (r) kinds.set(kind, (kinds.get(kind) ?? 0) + Number(r[1]) / 1024);
  }
  for (const [k, v] of [...kinds].sort((a, b) => b[1] - a[1]).slice(0, 12))
    console.log(`  ${v.toFixed(1).padStart(8)} MB  ${k}`);
}
if (!process.argv.includes("--no-heap")) {
  child.kill("SIGUSR2");
  await new Promise((r) => setTimeout(r, 20_000));
}
child.kill("SIGTERM");
await new Promise((r) => child.once("exit", r));
