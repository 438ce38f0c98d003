// The packaging configuration, checked without packaging (that needs Electron builds from the
// network): electron-builder loads and validates it with its own code, then its own file matcher
// decides which files of this checkout would ship. `npm run package:check` goes further and packs.
import { getConfig, validateConfiguration } from "app-builder-lib/out/util/config/config.js";
import { FileMatcher, excludedExts, excludedNames } from "app-builder-lib/out/fileMatcher.js";
import type { Configuration } from "electron-builder";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const configFile = path.join("build", "electron-builder.config.ts");

let config: Configuration;
let shipped: Set<string>;

/**
 * The files electron-builder would copy into the app, from its FileMatcher with the default
 * patterns it adds around the configured ones (app-builder-lib's getMainFileMatchers).
 */
function shippedFiles(cfg: Configuration): Set<string> {
  const patterns = filePatterns(cfg);
  const firstDefaults = ["!**/node_modules/**", "!build/resources{,/**/*}", "!build/out{,/**/*}"];
  const matcher = new FileMatcher(root, "/app", (s: string) => s, [
    ...firstDefaults,
    ...patterns,
    `!**/*.{${excludedExts},pdb}`,
    "!**/._*",
    "!**/electron-builder.{yaml,yml,json,json5,toml,ts}",
    `!**/{${excludedNames}}`,
  ]);
  const keep = matcher.createFilter();
  const out = new Set<string>();
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const abs = path.join(dir, e.name);
      if (e.name === ".git" || !keep(abs, fs.statSync(abs))) continue;
      if (e.isDirectory()) walk(abs);
      else out.add(path.relative(root, abs).split(path.sep).join("/"));
    }
  };
  walk(root);
  return out;
}

/** The `files` patterns (electron-builder's merge turns the list into `[{ filter: [...] }]`). */
function filePatterns(cfg: Configuration): string[] {
  const list = Array.isArray(cfg.files) ? cfg.files : cfg.files ? [cfg.files] : [];
  return list.flatMap((f) => (typeof f === "string" ? [f] : [f.filter ?? []].flat()));
}

beforeAll(async () => {
  config = await getConfig(root, configFile, null);
  shipped = shippedFiles(config);
});

describe("build/electron-builder.config.ts", () => {
  it("loads through electron-builder and passes its schema", async () => {
    expect(config.productName).toBe("Atelier");
    await expect(
      validateConfiguration(config, { isEnabled: false, add: () => undefined } as never),
    ).resolves.toBeUndefined();
  });

  it("catches a wrong option (the validation is real)", async () => {
    await expect(
      validateConfiguration(
        { ...config, notAnOption: 1 } as never,
        { isEnabled: false, add: () => undefined } as never,
      ),
    ).rejects.toThrow(/notAnOption/);
  });

  it("keeps the hardening fuses and plain folders (the sandbox worker is a real file)", () => {
    expect(config.electronFuses).toMatchObject({
      runAsNode: false,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
    });
    expect(config.asar).toBe(false);
    const pkg = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")) as {
      main: string;
      dependencies: Record<string, string>;
    };
    expect(pkg.main).toBe("electron/entry.js");
    // The packaged app runs compiled JavaScript: no compiler among what ships.
    expect(pkg.dependencies.tsx).toBeUndefined();
    expect(pkg.dependencies.esbuild).toBeUndefined();
  });

  it("ships the compiled engine, not its sources", () => {
    expect(shipped).toContain("electron/entry.js");
    if (fs.existsSync(path.join(root, "dist/electron-main.mjs"))) {
      for (const f of [
        "dist/electron-main.mjs",
        "dist/atelier.mjs",
        "dist/sandbox-worker.mjs",
        "dist/build-info.json",
      ]) {
        expect(shipped).toContain(f);
      }
    }
    expect([...shipped].filter((f) => /\.tsx?$/.test(f))).toEqual([]);
  });

  it("ships the preload bundle, the Studio build and the example workspace", () => {
    expect(shipped).toContain("package.json");
    expect(shipped).toContain("electron/entry.js");
    expect(shipped).toContain("examples/workspace/Demo/project.yaml");
    if (fs.existsSync(path.join(root, "electron/dist/preload.cjs")))
      expect(shipped).toContain("electron/dist/preload.cjs");
    if (fs.existsSync(path.join(root, "renderer/dist/index.html")))
      expect(shipped).toContain("renderer/dist/index.html");
  });

  it("leaves out tests, test helpers, dev-only code, build output and what the engine writes in a workspace", () => {
    const leaked = [...shipped].filter(
      (f) =>
        /\.test\.tsx?$/.test(f) ||
        /(^|\/)test\//.test(f) ||
        /^(e2e|bench|build|bin|node_modules)\//.test(f) ||
        /^renderer\/(?!dist\/)/.test(f) ||
        /^examples\/.*\/\./.test(f) ||
        /^(engine|embedded-db)\//.test(f) ||
        ["electron/launch.ts", "electron/preload.ts", "electron/main.ts"].includes(f),
    );
    expect(leaked).toEqual([]);
  });

  it("drops a workspace's secret key and data from the example, and any test file added later", () => {
    const probe = (patterns: string[], file: string) => {
      const m = new FileMatcher(root, "/app", (s: string) => s, patterns).createFilter();
      return m(path.join(root, file), { isDirectory: () => false } as fs.Stats);
    };
    const files = filePatterns(config);
    expect(probe(files, "examples/workspace/.atelier/secret.key")).toBe(false);
    expect(probe(files, "examples/workspace/.atelier/fullsync/db/CURRENT")).toBe(false);
    expect(probe(files, "engine/node/runtime/new-thing.test.ts")).toBe(false);
    expect(probe(files, "embedded-db/test/helpers.ts")).toBe(false);
    expect(probe(files, "engine/node/runtime/new-thing.ts")).toBe(false);
    expect(probe(files, "dist/chunk-ABC.mjs")).toBe(true);
    expect(probe(files, "dist/sandbox-worker.mjs")).toBe(true);
  });
});
