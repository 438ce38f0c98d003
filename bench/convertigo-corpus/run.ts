// bench/convertigo-corpus: how much of real Convertigo projects the importer maps, and how many
// of their sequences can run after import.
// Run: npm run bench:convertigo -- [--from DIR]... [--json FILE]. See bench/README.md.
//
// Each Convertigo project folder (a folder holding c8oProject.yaml) found in ../shared's fixtures
// and under every --from folder (one level down) is imported into one temporary workspace, so
// references between them resolve. For each project: the objects, the non-UI objects (outside
// Convertigo's mobile applications: screens, components, build platforms), how many of
// those became native types, the foreign classes, the UI objects (the mobile applications,
// imported as the UI builder's objects) and how many of those became native, and its
// sequences: how many can run (given the services they call) and what blocks the others.
// The importer's UI fixtures: --from engine/node/importer/testdata.
import { mkdtemp, readdir, rm, writeFile, mkdir } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { walk, type ObjNode } from "../../engine/common/model/node.ts";
import { getType } from "../../engine/common/model/registry.ts";
import {
  danglingReferences,
  indexProject,
  referencesOf,
  resolveReference,
} from "../../engine/common/model/references.ts";
import { jsModeOf } from "../../engine/common/model/js-syntax.ts";
import { exists, loadProject } from "../../engine/node/project/project-files.ts";
import { importConvertigo, type ImportSummary } from "../../engine/node/importer/import.ts";
import { isApplicationClass } from "../../engine/node/importer/map/foreign.ts";
import { jsInteropProblems } from "../../engine/node/importer/map/js-interop.ts";
import "../../engine/common/types/index.ts";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const FIXTURES = path.resolve(ROOT, "..", "shared", "fixtures", "convertigo");

const argv = process.argv.slice(2);
if (argv.includes("--help")) {
  console.log("npm run bench:convertigo -- [--from DIR]... [--json FILE] [--verbose]");
  console.log("(Convertigo mobile applications, for the UI share: --from engine/node/importer/testdata)");
  process.exit(0);
}
const froms: string[] = [];
for (let i = 0; i < argv.length; i++) if (argv[i] === "--from") froms.push(path.resolve(argv[++i] ?? "."));
const jsonOut = argv.includes("--json") ? argv[argv.indexOf("--json") + 1] : undefined;
const verbose = argv.includes("--verbose");

const isUi = isApplicationClass;

async function projectFolders(dir: string): Promise<string[]> {
  if (await exists(path.join(dir, "c8oProject.yaml"))) return [dir];
  const out: string[] = [];
  for (const e of (await readdir(dir, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    if (e.isDirectory() && (await exists(path.join(dir, e.name, "c8oProject.yaml")))) out.push(path.join(dir, e.name));
  }
  return out;
}

const sources = [...(await projectFolders(FIXTURES)), ...(await Promise.all(froms.map(projectFolders))).flat()];
const ws = await mkdtemp(path.join(os.tmpdir(), "atelier-c8o-corpus-"));

interface Row {
  source: string;
  project: string;
  objects: number;
  nonUi: number;
  nonUiMapped: number;
  foreignByClass: Record<string, number>;
  ui: number;
  uiMapped: number;
  uiForeignByClass: Record<string, number>;
  sequences: number;
  runnable: number;
  blockers: Record<string, number>;
  error?: string;
}

const rows: Row[] = [];
const summaries = new Map<string, ImportSummary>();
const seenNames = new Set<string>();
for (const src of sources) {
  try {
    const s = await importConvertigo(src, ws);
    summaries.set(s.project, s);
    seenNames.add(s.project);
    rows.push({
      source: path.relative(ROOT, src),
      project: s.project,
      objects: s.objects,
      nonUi: 0,
      nonUiMapped: 0,
      foreignByClass: {},
      ui: 0,
      uiMapped: 0,
      uiForeignByClass: {},
      sequences: 0,
      runnable: 0,
      blockers: {},
    });
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    rows.push({
      source: path.relative(ROOT, src),
      project: path.basename(src),
      objects: 0,
      nonUi: 0,
      nonUiMapped: 0,
      foreignByClass: {},
      ui: 0,
      uiMapped: 0,
      uiForeignByClass: {},
      sequences: 0,
      runnable: 0,
      blockers: {},
      error: msg.includes("already exists") ? "duplicate project name" : msg.split("\n")[0],
    });
  }
}

// Load every imported project: references resolve across them.
const roots = new Map<string, ObjNode>();
for (const name of summaries.keys()) roots.set(name, (await loadProject(path.join(ws, name))).root);
const indexed = new Map([...roots].map(([name, root]) => [name, indexProject({ name, root })]));
/** Each referencing object's missing targets: a project not in the corpus, or an object not in its project. */
const dangling = new Map<ObjNode, string[]>();
for (const h of danglingReferences(indexed.values())) {
  const t = h.reference.target;
  const what = roots.has(t.project) ? `a missing ${t.refers}` : `project ${t.project} (not in the corpus)`;
  dangling.set(h.node, [...(dangling.get(h.node) ?? []), what]);
}

/** Why an object cannot run (its own reasons: a foreign class, a missing target, Java in its code). */
function ownBlockers(node: ObjNode): string[] {
  const out: string[] = [];
  if (node.type === "Foreign") out.push(`foreign ${String(node.props.class)}`);
  out.push(...(dangling.get(node) ?? []));
  const def = getType(node.type);
  for (const prop of def?.props ?? []) {
    const code = node.props[prop.name];
    if (!jsModeOf(prop) || typeof code !== "string") continue;
    for (const p of jsInteropProblems(code)) out.push(p.startsWith("uses Java") ? "Java interop" : "Convertigo JS API");
  }
  return out;
}

const memo = new Map<ObjNode, Set<string>>();
/** Everything that blocks running a sequence or transaction, through the calls it makes. */
function blockersOf(project: string, runnable: ObjNode, stack = new Set<ObjNode>()): Set<string> {
  const known = memo.get(runnable);
  if (known) return known;
  const out = new Set<string>();
  if (stack.has(runnable)) return out;
  stack.add(runnable);
  const idx = indexed.get(project)!;
  const visit = (node: ObjNode) => {
    if (node.props.disabled === true) return;
    for (const b of ownBlockers(node)) out.add(b);
    if (node.type === "Foreign") return; // its children are part of it
    for (const ref of referencesOf(node, idx)) {
      if (ref.target.refers !== "sequence" && ref.target.refers !== "transaction") continue;
      const target = resolveReference(ref.target, (n) => roots.get(n));
      if (!target) continue; // dangling: counted above
      if (target.type === "Foreign") out.add(`calls foreign ${String(target.props.class)}`);
      else for (const b of blockersOf(ref.target.project, target, stack)) out.add(b);
      if (ref.target.refers === "transaction") {
        let conn: ObjNode | undefined;
        walk(roots.get(ref.target.project)!, (n) => {
          if (n.children.includes(target)) conn = n;
        });
        if (conn?.type === "Foreign") out.add(`calls foreign ${String(conn.props.class)}`);
      }
    }
    for (const c of node.children) visit(c);
  };
  if (runnable.type === "Foreign") out.add(`foreign ${String(runnable.props.class)}`);
  else for (const c of runnable.children) visit(c);
  stack.delete(runnable);
  memo.set(runnable, out);
  return out;
}

for (const row of rows) {
  const s = summaries.get(row.project);
  if (!s || row.error) continue;
  for (const [cls, n] of Object.entries(s.byClass)) {
    const f = s.foreignByClass[cls] ?? 0;
    if (isUi(cls)) {
      row.ui += n;
      row.uiMapped += n - f;
      if (f) row.uiForeignByClass[cls] = f;
      continue;
    }
    row.nonUi += n;
    row.nonUiMapped += n - f;
    if (f) row.foreignByClass[cls] = f;
  }
  const root = roots.get(row.project)!;
  for (const seq of root.children.filter((c) => getType(c.type)?.category === "sequence")) {
    row.sequences++;
    const b = blockersOf(row.project, seq);
    if (b.size === 0) row.runnable++;
    for (const x of b) row.blockers[x] = (row.blockers[x] ?? 0) + 1;
  }
}

const pct = (a: number, b: number) => (b ? ((100 * a) / b).toFixed(1) + "%" : "-");
const ok = rows.filter((r) => !r.error);
console.log(`${ok.length} Convertigo projects imported (${rows.length - ok.length} not)\n`);
console.log(
  "project".padEnd(34),
  "objects".padStart(8),
  "non-UI".padStart(8),
  "mapped".padStart(8),
  "share".padStart(7),
  "UI".padStart(6),
  "mapped".padStart(7),
  "share".padStart(7),
  "seq".padStart(5),
  "run".padStart(5),
);
for (const r of rows) {
  if (r.error) {
    console.log(r.project.padEnd(34), `not imported: ${r.error}`);
    continue;
  }
  console.log(
    r.project.padEnd(34),
    String(r.objects).padStart(8),
    String(r.nonUi).padStart(8),
    String(r.nonUiMapped).padStart(8),
    pct(r.nonUiMapped, r.nonUi).padStart(7),
    String(r.ui).padStart(6),
    String(r.uiMapped).padStart(7),
    pct(r.uiMapped, r.ui).padStart(7),
    String(r.sequences).padStart(5),
    String(r.runnable).padStart(5),
  );
  if (verbose) {
    for (const [k, v] of Object.entries(r.foreignByClass)) console.log("    foreign", k, v);
    for (const [k, v] of Object.entries(r.uiForeignByClass)) console.log("    foreign UI", k, v);
    for (const [k, v] of Object.entries(r.blockers)) console.log("    blocks", v, "sequence(s):", k);
  }
}
const sum = (f: (r: Row) => number) => ok.reduce((a, r) => a + f(r), 0);
const nonUi = sum((r) => r.nonUi);
const mapped = sum((r) => r.nonUiMapped);
const ui = sum((r) => r.ui);
const uiMapped = sum((r) => r.uiMapped);
const seqs = sum((r) => r.sequences);
const runs = sum((r) => r.runnable);
console.log(
  `\nall: ${sum((r) => r.objects)} objects, ${nonUi} non-UI, ${mapped} mapped: ${pct(mapped, nonUi)}; ` +
    `${ui} UI, ${uiMapped} mapped: ${pct(uiMapped, ui)}; ` +
    `sequences ${seqs}, runnable ${runs} (${pct(runs, seqs)})`,
);
const foreign: Record<string, number> = {};
const blockers: Record<string, number> = {};
const uiForeign: Record<string, number> = {};
for (const r of ok) {
  for (const [k, v] of Object.entries(r.foreignByClass)) foreign[k] = (foreign[k] ?? 0) + v;
  for (const [k, v] of Object.entries(r.uiForeignByClass)) uiForeign[k] = (uiForeign[k] ?? 0) + v;
  for (const [k, v] of Object.entries(r.blockers)) blockers[k] = (blockers[k] ?? 0) + v;
}
console.log("\nforeign non-UI objects by class:");
for (const [k, v] of Object.entries(foreign).sort((a, b) => b[1] - a[1])) console.log(String(v).padStart(6), k);
console.log("\nforeign UI objects by class:");
for (const [k, v] of Object.entries(uiForeign).sort((a, b) => b[1] - a[1])) console.log(String(v).padStart(6), k);
console.log("\nwhat blocks sequences (a sequence can have several):");
for (const [k, v] of Object.entries(blockers).sort((a, b) => b[1] - a[1])) console.log(String(v).padStart(6), k);

if (jsonOut) {
  await mkdir(path.dirname(path.resolve(jsonOut)), { recursive: true });
  await writeFile(
    jsonOut,
    JSON.stringify({ rows, foreign, uiForeign, blockers, nonUi, mapped, ui, uiMapped, seqs, runs }, null, 2),
  );
}
await rm(ws, { recursive: true, force: true });
