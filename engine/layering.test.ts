import { ESLint } from "eslint";
import path from "node:path";
import { describe, expect, it } from "vitest";

const root = path.resolve(import.meta.dirname, "..");

/** Lints a piece of code as if it were the given file, and answers the layer-rule messages. */
async function layerErrors(file: string, code: string): Promise<string[]> {
  const eslint = new ESLint({ cwd: root });
  const [result] = await eslint.lintText(code, { filePath: path.join(root, file) });
  return (result?.messages ?? []).filter((m) => /Layer rule/.test(m.message)).map((m) => m.message);
}

describe("the layering rule", () => {
  it("refuses Node modules and engine/node in engine/common", async () => {
    expect(
      await layerErrors(
        "engine/common/model/x.ts",
        'import { readFile } from "node:fs/promises";\nexport const f = readFile;\n',
      ),
    ).toEqual([expect.stringContaining("engine/common runs in the browser too")]);
    expect(
      await layerErrors(
        "engine/common/model/x.ts",
        'import { Engine } from "../../node/engine.ts";\nexport const e = Engine;\n',
      ),
    ).toEqual([expect.stringContaining("engine/common is shared with the renderer")]);
  });
  it("refuses electron outside electron/", async () => {
    expect(await layerErrors("engine/node/x.ts", 'import { app } from "electron";\nexport const a = app;\n')).toEqual([
      expect.stringContaining("only electron/ may import 'electron'"),
    ]);
  });
  it("keeps the renderer on HTTP and the engine away from screens", async () => {
    expect(
      await layerErrors(
        "renderer/src/x.ts",
        'import { Engine } from "../../engine/node/engine.ts";\nexport const e = Engine;\n',
      ),
    ).toEqual([expect.stringContaining("the renderer reaches the engine over HTTP only")]);
    expect(await layerErrors("renderer/src/x.ts", 'import fs from "node:fs";\nexport const e = fs;\n')).toEqual([
      expect.stringContaining("the renderer runs in a browser"),
    ]);
    // Both the path zone and the import pattern may report it: at least one must.
    expect(
      await layerErrors("engine/node/x.ts", 'import * as r from "../../renderer/src/main.tsx";\nexport const e = r;\n'),
    ).toEqual(expect.arrayContaining([expect.stringContaining("the engine knows no screen")]));
  });
  it("keeps the engine on embedded-db's public entry, and the shell off the renderer's source", async () => {
    expect(
      await layerErrors(
        "engine/node/x.ts",
        'import { readJson } from "../../embedded-db/http-util.ts";\nexport const e = readJson;\n',
      ),
    ).toEqual([expect.stringContaining("public entry only")]);
    expect(
      await layerErrors(
        "engine/node/x.ts",
        'import { createFullSync } from "../../embedded-db/index.ts";\nexport const e = createFullSync;\n',
      ),
    ).toEqual([]);
    expect(
      await layerErrors("electron/x.ts", 'import { api } from "../renderer/src/api.ts";\nexport const e = api;\n'),
    ).toEqual(expect.arrayContaining([expect.stringContaining("may not import the renderer's source")]));
  });
  it("keeps the app runtime a browser layer over engine/common, and the engine off it", async () => {
    expect(
      await layerErrors(
        "app-runtime/x.ts",
        'import { catalogue } from "../engine/common/ui/catalogue.ts";\nexport const c = catalogue;\n',
      ),
    ).toEqual([]);
    expect(
      await layerErrors(
        "app-runtime/x.ts",
        'import { Engine } from "../engine/node/engine.ts";\nexport const e = Engine;\n',
      ),
    ).toEqual([expect.stringContaining("the app runtime runs in the app's browser")]);
    expect(
      await layerErrors("app-runtime/x.ts", 'import PouchDB from "pouchdb";\nexport const p = PouchDB;\n'),
    ).toEqual([expect.stringContaining("PouchDB is passed in")]);
    expect(
      await layerErrors("app-runtime/x.ts", 'import { api } from "../renderer/src/api.ts";\nexport const a = api;\n'),
    ).toEqual([expect.stringContaining("may not import the Studio")]);
    expect(
      await layerErrors("engine/node/x.ts", 'import * as r from "../../app-runtime/index.ts";\nexport const e = r;\n'),
    ).toEqual(expect.arrayContaining([expect.stringContaining("may not import app-runtime/")]));
  });
  it("lets engine/common import its own code", async () => {
    expect(
      await layerErrors("engine/common/model/x.ts", 'import { newId } from "./node.ts";\nexport const f = newId;\n'),
    ).toEqual([]);
  });
});
