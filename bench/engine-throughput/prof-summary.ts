// Summarizes a V8 .cpuprofile (from `npm run bench:engine -- --cpu-prof`): where the time goes,
// by function (self time), by file or package (self time), and the inclusive time of the
// engine's own functions.
// Run: node --import tsx bench/engine-throughput/prof-summary.ts <file.cpuprofile> [--top 30] [--skip <s>]
// (--skip leaves out the first seconds: the process's start and the warm-up).
// Frames of the compiled engine (dist/*.mjs) are mapped back to their TypeScript source through
// the bundle's source maps, so they read `engine/node/...ts:line`.
import { readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { SourceMap } from "node:module";
import path from "node:path";
import { pathToFileURL } from "node:url";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber?: number };
  hitCount?: number;
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

const maps = new Map<string, SourceMap | null>();

/** The source file and line a compiled frame came from, through the script's `.map` file. */
function original(f: ProfileNode["callFrame"]): { file: string; line: number } | undefined {
  if (!f.url.startsWith("file://") || !f.url.endsWith(".mjs")) return undefined;
  const file = f.url.slice("file://".length);
  let map = maps.get(file);
  if (map === undefined) {
    try {
      map = new SourceMap(JSON.parse(readFileSync(`${file}.map`, "utf8")));
    } catch {
      map = null;
    }
    maps.set(file, map);
  }
  if (!map) return undefined;
  const e = map.findEntry(f.lineNumber, f.columnNumber ?? 0) as { originalSource?: string; originalLine?: number };
  if (!e.originalSource) return undefined;
  const src = e.originalSource.startsWith("file://")
    ? e.originalSource.slice("file://".length)
    : path.resolve(path.dirname(file), e.originalSource);
  return { file: src, line: (e.originalLine ?? 0) + 1 };
}

/** Where a script lives: the project's own file, a package, or Node's internals. */
function area(url: string, fn: string): string {
  if (!url) return fn.startsWith("(") ? fn : "(native)";
  const u = url.replace(/^file:\/\//, "");
  const nm = u.lastIndexOf("node_modules/");
  if (nm >= 0) {
    const rest = u.slice(nm + "node_modules/".length).split("/");
    return `pkg ${rest[0]?.startsWith("@") ? `${rest[0]}/${rest[1]}` : rest[0]}`;
  }
  if (u.startsWith("node:")) return u.split("/").slice(0, 2).join("/");
  const root = path.resolve(process.cwd());
  return u.startsWith(root) ? path.relative(root, u) : u;
}

function fileArea(n: ProfileNode): string {
  const o = original(n.callFrame);
  return o ? area(o.file, n.callFrame.functionName) : area(n.callFrame.url, n.callFrame.functionName);
}

function label(n: ProfileNode): string {
  const f = n.callFrame;
  const fn = f.functionName || "(anonymous)";
  if (!f.url) return fn;
  const o = original(f);
  if (o) return `${fn}  ${area(o.file, fn)}:${o.line}`;
  const a = area(f.url, fn);
  // No line numbers: code run through tsx is compiled, its lines are not the source's.
  return `${fn}  ${a}`;
}

export async function summarize(file: string, top = 30, skipSeconds = 0): Promise<string> {
  const prof = JSON.parse(await readFile(file, "utf8")) as Profile;
  const byId = new Map(prof.nodes.map((n) => [n.id, n]));
  // Self time per node from samples and their time deltas (µs).
  const selfUs = new Map<number, number>();
  const samples = prof.samples ?? [];
  const deltas = prof.timeDeltas ?? [];
  let at = 0;
  for (let i = 0; i < samples.length; i++) {
    at += deltas[i] ?? 0;
    if (at < skipSeconds * 1e6) continue;
    const dt = deltas[i + 1] ?? 0;
    selfUs.set(samples[i] as number, (selfUs.get(samples[i] as number) ?? 0) + dt);
  }
  const total = [...selfUs.values()].reduce((a, b) => a + b, 0) || 1;
  const idle = [...selfUs.entries()]
    .filter(([id]) => byId.get(id)?.callFrame.functionName === "(idle)")
    .reduce((a, [, v]) => a + v, 0);
  const busy = total - idle || 1;

  const parent = new Map<number, number>();
  for (const n of prof.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

  const selfBy = (key: (n: ProfileNode) => string) => {
    const m = new Map<string, number>();
    for (const [id, us] of selfUs) {
      const n = byId.get(id);
      if (!n || n.callFrame.functionName === "(idle)") continue;
      m.set(key(n), (m.get(key(n)) ?? 0) + us);
    }
    return [...m.entries()].sort((a, b) => b[1] - a[1]);
  };

  // Inclusive time per function: each sample counts once for every distinct function on its stack.
  const inclusive = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const n = byId.get(cur);
      if (!n) break;
      if (n.callFrame.functionName === "(idle)") break;
      const k = label(n);
      if (seen.has(k)) continue;
      seen.add(k);
      inclusive.set(k, (inclusive.get(k) ?? 0) + us);
    }
  }

  const pct = (us: number) => `${((100 * us) / busy).toFixed(1).padStart(5)}%`;
  const lines: string[] = [];
  lines.push(
    `${path.basename(file)}: ${(total / 1e6).toFixed(1)} s sampled${skipSeconds ? ` after the first ${skipSeconds.toFixed(1)} s` : ""}, ${(busy / 1e6).toFixed(1)} s busy (percentages of busy time)`,
  );
  lines.push("", "self time by file or package:");
  for (const [k, us] of selfBy(fileArea).slice(0, top)) lines.push(`  ${pct(us)}  ${k}`);
  lines.push("", "self time by function:");
  for (const [k, us] of selfBy(label).slice(0, top)) lines.push(`  ${pct(us)}  ${k}`);
  lines.push("", "inclusive time of the project's functions (engine/, bench/):");
  const own = [...inclusive.entries()]
    .filter(([k]) => /\s(engine|embedded-db|bench)\//.test(k))
    .sort((a, b) => b[1] - a[1])
    .slice(0, top);
  for (const [k, us] of own) lines.push(`  ${pct(us)}  ${k}`);
  return lines.join("\n");
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const file = process.argv[2];
  if (!file) {
    process.stderr.write("usage: prof-summary.ts <file.cpuprofile> [--top N] [--skip S]\n");
    process.exit(2);
  }
  const opt = (name: string, dflt: number) => {
    const i = process.argv.indexOf(name);
    return i > 0 ? Number(process.argv[i + 1]) || dflt : dflt;
  };
  process.stdout.write((await summarize(file, opt("--top", 30), opt("--skip", 0))) + "\n");
}
