/**
 * The generated pages' JSX is the project's objects: every page, shared component and shared
 * action of the example app and of an imported Convertigo app (odd texts, scripts, nested
 * bindings) is written as JSX, compiled as the app's build compiles it (classic transform), run
 * through the runtime's factory, and compared with the objects of the project's files.
 */
import { build } from "esbuild";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import type { ObjNode } from "../../common/model/node.ts";
import { literal, objectJsx, objectModule } from "../../common/ui/codegen/page-jsx.ts";
import { importConvertigo } from "../importer/import.ts";
import { loadProject } from "../project/project-files.ts";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
const temps: string[] = [];
afterAll(async () => {
  for (const d of temps) await rm(d, { recursive: true, force: true });
});

/** The object as the runtime reads it. */
const plain = (n: ObjNode): unknown => ({
  id: n.id,
  type: n.type,
  name: n.name,
  props: n.props,
  children: n.children.map(plain),
});

/** Compiles a generated module as the app's build does and answers its export. */
async function run(code: string, exportName: string): Promise<unknown> {
  const out = await build({
    stdin: { contents: code, loader: "tsx", resolveDir: ROOT },
    bundle: true,
    format: "esm",
    write: false,
    logLevel: "silent",
    plugins: [
      {
        name: "runtime",
        setup(b) {
          b.onResolve({ filter: /^@atelier\/runtime\// }, (a) => ({
            path: path.join(ROOT, "app-runtime", a.path.slice("@atelier/runtime/".length)),
          }));
        },
      },
    ],
  });
  const mod = (await import(
    `data:text/javascript;base64,${Buffer.from(out.outputFiles[0]!.text).toString("base64")}`
  )) as Record<string, unknown>;
  return mod[exportName];
}

async function appOf(projectDir: string): Promise<ObjNode> {
  const loaded = await loadProject(projectDir);
  const app = loaded.root.children.find((c) => c.type === "Application");
  if (!app) throw new Error(`no application in ${projectDir}`);
  return app;
}

describe("pages written as JSX", () => {
  it("are the very objects of the example app's files", async () => {
    const app = await appOf(path.join(ROOT, "examples/workspace/FullSyncDemo"));
    for (const page of app.children.filter((c) => c.type === "Page")) {
      const code = objectModule(page, "page", ["test"]);
      expect(code).toMatch(new RegExp(`<Page\\s+id="${page.id}"\\s+name="${page.name}"`));
      expect(await run(code, "page"), page.name).toEqual(plain(page));
    }
  });

  it("are the very objects of an imported Convertigo app: scripts, texts with quotes and entities, nested bindings", async () => {
    const ws = await mkdtemp(path.join(os.tmpdir(), "atelier-page-jsx-"));
    temps.push(ws);
    const summary = await importConvertigo(path.join(ROOT, "engine/node/importer/testdata/c8oprj-demo-banking"), ws);
    const app = await appOf(path.join(ws, summary.project));
    const modules = app.children.filter((c) => ["Page", "SharedComponent", "SharedAction"].includes(c.type));
    expect(modules.length).toBeGreaterThan(5);
    for (const m of modules) {
      expect(await run(objectModule(m, "node", ["test"]), "node"), m.name).toEqual(plain(m));
    }
  });

  it("writes texts that JSX would decode as expressions, and other names in $props", async () => {
    const node: ObjNode = {
      id: "n1",
      type: "Weird",
      name: "W",
      props: { a: 'say "hi" & <b>{x}</b>\nnext', key: "k", "odd-name": 1, list: [1, { b: null }], on: "click" },
      children: [{ id: "n2", type: "Text", name: "T", props: { value: { script: "a && b" } }, children: [] }],
    };
    const jsx = objectJsx(node);
    expect(jsx).toContain('a={"say \\"hi\\" & <b>{x}</b>\\nnext"}');
    expect(jsx).toContain('type="Weird"');
    expect(jsx).toContain('$props={{ key: "k", "odd-name": 1 }}');
    expect(jsx).toContain('<Text id="n2" name="T" value={{ script: "a && b" }} />');
    expect(await run(objectModule(node, "node", ["test"]), "node")).toEqual(plain(node));
    expect(literal({ a: [1, "x"], "b-c": { d: true } })).toBe('{ a: [1, "x"], "b-c": { d: true } }');
  });
});
