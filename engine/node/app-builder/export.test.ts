import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { cp, mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { builtinModules } from "node:module";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AppExportError, EXPORT_MARKER, exportApp } from "./export.ts";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
let tmp: string;
let project: string;
let out: string;

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), "atelier-export-"));
  await cp(path.join(repoRoot, "examples", "workspace"), path.join(tmp, "ws"), { recursive: true });
  project = path.join(tmp, "ws", "FullSyncDemo");
  out = path.join(tmp, "fullsync-mobile");
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

interface PackageJson {
  name: string;
  private: boolean;
  scripts: Record<string, string>;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
}

/**
 * Runs a tool of the export from its node_modules (what `npx vite build`, `npx tsc` run: the
 * package's bin), in the export's folder, with a time limit.
 */
function runTool(
  dir: string,
  bin: string,
  args: string[],
  timeoutMs = 120_000,
): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(dir, "node_modules", bin), ...args], {
      cwd: dir,
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: "0" },
    });
    let output = "";
    child.stdout.setEncoding("utf8").on("data", (c: string) => (output = (output + c).slice(-8000)));
    child.stderr.setEncoding("utf8").on("data", (c: string) => (output = (output + c).slice(-8000)));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

/** The export's files (its node_modules and dist/ left out), relative, "/" separated. */
async function exportFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)).split(path.sep).join("/"))
    .filter((f) => !f.startsWith("node_modules/") && !f.startsWith("dist/"))
    .sort();
}

describe("atelier app export", () => {
  it("writes a standalone Vite project that builds the app, its manifest and its service worker", async () => {
    const r = await exportApp({ projectDir: project, outDir: out });
    expect(r.project).toBe("FullSyncDemo");
    expect(r.base).toBe("/");
    const files = await exportFiles(out);
    for (const f of [
      EXPORT_MARKER,
      "package.json",
      "vite.config.ts",
      "atelier.vite.mjs",
      "tsconfig.json",
      "capacitor.config.json",
      "index.html",
      "src/main.tsx",
      "src/generated/pages/Orders.tsx",
      "src/custom/actions.ts",
      "src/atelier/app-runtime/render.tsx",
      "src/atelier/app-runtime/sw/service-worker.ts",
      "src/atelier/engine/common/ui/theme.ts",
    ]) {
      expect(files, f).toContain(f);
    }
    // Only the runtime the sources reach: none of its tests nor its test helpers.
    expect(files.filter((f) => f.startsWith("src/atelier/") && /\.test\.|testing\//.test(f))).toEqual([]);

    const pkg = JSON.parse(await readFile(path.join(out, "package.json"), "utf8")) as PackageJson;
    const installed = (name: string) =>
      (
        JSON.parse(readFileSync(path.join(repoRoot, "node_modules", name, "package.json"), "utf8")) as {
          version: string;
        }
      ).version;
    expect(pkg.private).toBe(true);
    expect(pkg.name).toBe("fullsyncdemo");
    expect(Object.keys(pkg.scripts)).toEqual(expect.arrayContaining(["dev", "build", "preview"]));
    // The project has a FullSync connector: PouchDB (and the events module its browser build needs).
    expect(Object.keys(pkg.dependencies).sort()).toEqual(["@ionic/react", "events", "pouchdb", "react", "react-dom"]);
    for (const [name, version] of Object.entries({ ...pkg.dependencies, ...pkg.devDependencies })) {
      expect(version, name).toBe(installed(name));
    }
    expect(Object.keys(pkg.devDependencies)).toEqual(
      expect.arrayContaining(["vite", "@vitejs/plugin-react", "typescript"]),
    );
    expect(JSON.parse(await readFile(path.join(out, "capacitor.config.json"), "utf8"))).toEqual({
      appId: "com.example.fullsyncdemo",
      appName: "FullSync orders",
      webDir: "dist",
    });

    // No file of the export imports anything outside it: relative imports stay inside and exist,
    // the runtime's alias is src/atelier/app-runtime, and packages are the package.json's.
    const declared = new Set([...Object.keys(pkg.dependencies), ...Object.keys(pkg.devDependencies)]);
    const builtins = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);
    const problems: string[] = [];
    for (const f of files.filter((f) => /\.(ts|tsx|mjs)$/.test(f))) {
      const text = await readFile(path.join(out, f), "utf8");
      for (const { fileName: spec } of ts.preProcessFile(text, true, true).importedFiles) {
        if (spec.startsWith(".")) {
          const target = path.resolve(out, path.dirname(f), spec);
          if (!target.startsWith(out + path.sep) || !existsSync(target)) problems.push(`${f}: ${spec}`);
        } else if (spec.startsWith("@atelier/runtime/")) {
          if (!existsSync(path.join(out, "src/atelier/app-runtime", spec.slice("@atelier/runtime/".length)))) {
            problems.push(`${f}: ${spec}`);
          }
        } else {
          const pkgName = spec.startsWith("@") ? spec.split("/").slice(0, 2).join("/") : spec.split("/")[0]!;
          if (!declared.has(pkgName) && !builtins.has(spec)) problems.push(`${f}: ${spec}`);
        }
      }
    }
    expect(problems).toEqual([]);

    // Built as `npm install && npm run build` would, with Atelier's packages standing for the installed ones.
    await symlink(path.join(repoRoot, "node_modules"), path.join(out, "node_modules"), "dir");
    const built = await runTool(out, "vite/bin/vite.js", ["build"]);
    expect(built.code, built.output).toBe(0);
    // `npm run typecheck`: the sources and the runtime's files check in the export's own tsconfig.
    const checked = await runTool(out, "typescript/bin/tsc", ["--noEmit", "-p", "tsconfig.json"]);
    expect(checked.code, checked.output).toBe(0);
    const dist = (await readdir(path.join(out, "dist"), { recursive: true })).map((f) => f.split(path.sep).join("/"));
    expect(dist).toEqual(expect.arrayContaining(["index.html", "sw.js", "manifest.webmanifest"]));
    const js = dist.filter((f) => f.startsWith("assets/") && f.endsWith(".js"));
    expect(js.length).toBeGreaterThan(0);
    const index = await readFile(path.join(out, "dist", "index.html"), "utf8");
    expect(index).toMatch(/src="\/assets\/index-[\w-]+\.js"/);
    expect(index).toContain('href="/manifest.webmanifest"');
    const manifest = JSON.parse(await readFile(path.join(out, "dist", "manifest.webmanifest"), "utf8"));
    expect(manifest).toMatchObject({ name: "FullSync orders", short_name: "Orders", start_url: "/", scope: "/" });
    // The worker caches every file of this build under a cache named after its hash.
    const sw = await readFile(path.join(out, "dist", "sw.js"), "utf8");
    expect(sw).toMatch(/atelier-FullSyncDemo-[0-9a-f]{12}/);
    for (const f of js) expect(sw).toContain(f);
    // The generated app's own component table: the runtime's default one (every Ionic component) is
    // left out, so no toggle (its element's CSS) in an app that shows none.
    const bundle = (await Promise.all(js.map((f) => readFile(path.join(out, "dist", f), "utf8")))).join("\n");
    expect(bundle).toContain("ion-button");
    expect(bundle).not.toContain("toggle-inner");
  }, 180_000);

  it("exports again into its previous export, keeping your files, and refuses any other folder", async () => {
    // What a developer did in the export: their custom action, Capacitor's packages, a file of their own.
    const mine = "export const customActions = { hello: () => 'mine' };\n";
    await writeFile(path.join(out, "src", "custom", "actions.ts"), mine);
    const pkgFile = path.join(out, "package.json");
    const pkg = JSON.parse(await readFile(pkgFile, "utf8")) as PackageJson;
    pkg.dependencies["@capacitor/core"] = "^7.4.0";
    await writeFile(pkgFile, JSON.stringify(pkg, null, 2));
    await writeFile(path.join(out, "notes.md"), "mine\n");
    // A page of an older export, since removed from the project.
    const marker = JSON.parse(await readFile(path.join(out, EXPORT_MARKER), "utf8")) as { files: string[] };
    marker.files.push("src/generated/pages/Gone.ts", "src/custom/old.ts");
    await writeFile(path.join(out, "src", "custom", "old.ts"), "export const old = 1;\n");
    await writeFile(path.join(out, EXPORT_MARKER), JSON.stringify(marker));
    await writeFile(path.join(out, "src", "generated", "pages", "Gone.ts"), "export {};\n");

    const again = await exportApp({ projectDir: project, outDir: out, base: "/orders/" });
    expect(again.kept).toEqual([".gitignore", "src/custom/actions.ts", "src/custom/styles.css"]);
    expect(again.removed).toEqual(["src/generated/pages/Gone.ts"]);
    expect(again.written).toEqual(expect.arrayContaining(["vite.config.ts", "package.json"]));
    expect(await readFile(path.join(out, "src", "custom", "actions.ts"), "utf8")).toBe(mine);
    expect(await readFile(path.join(out, "notes.md"), "utf8")).toBe("mine\n");
    expect(existsSync(path.join(out, "src", "generated", "pages", "Gone.ts"))).toBe(false);
    // A custom file the project no longer has is still yours: kept.
    expect(existsSync(path.join(out, "src", "custom", "old.ts"))).toBe(true);
    expect(existsSync(path.join(out, "node_modules", "vite"))).toBe(true);
    const after = JSON.parse(await readFile(pkgFile, "utf8")) as PackageJson;
    expect(after.dependencies["@capacitor/core"]).toBe("^7.4.0");
    expect(after.dependencies.react).toBe(pkg.dependencies.react);
    expect(await readFile(path.join(out, "vite.config.ts"), "utf8")).toContain('base: "/orders/",');

    // Refused: a folder of other files, a folder inside the project, a bad base, a marker leading out.
    const foreign = path.join(tmp, "foreign");
    await mkdir(foreign);
    await writeFile(path.join(foreign, "keep.txt"), "x");
    await expect(exportApp({ projectDir: project, outDir: foreign })).rejects.toThrow(
      new AppExportError(
        `--out ${foreign} is not empty and holds no previous export (no ${EXPORT_MARKER}): choose an empty or new folder`,
      ),
    );
    expect(await readdir(foreign)).toEqual(["keep.txt"]);
    await expect(exportApp({ projectDir: project, outDir: path.join(project, "mobile") })).rejects.toThrow(
      /must be outside the project's folder/,
    );
    expect(existsSync(path.join(project, "mobile"))).toBe(false);
    await expect(exportApp({ projectDir: project, outDir: out, base: "orders" })).rejects.toThrow(
      /--base "orders" must be an absolute path ending with "\/"/,
    );
    await writeFile(path.join(out, EXPORT_MARKER), JSON.stringify({ ...marker, project: "Other" }));
    await expect(exportApp({ projectDir: project, outDir: out })).rejects.toThrow(
      `--out ${out} holds the export of the project Other, not FullSyncDemo: choose another folder`,
    );
    marker.files.push("../outside.txt");
    await writeFile(path.join(out, EXPORT_MARKER), JSON.stringify({ ...marker, files: [...marker.files] }));
    await writeFile(path.join(tmp, "outside.txt"), "not the export's\n");
    await expect(exportApp({ projectDir: project, outDir: out })).rejects.toThrow(
      `${path.join(out, EXPORT_MARKER)} lists a file outside the export (../outside.txt): remove it to export there anew`,
    );
    expect(await readFile(path.join(tmp, "outside.txt"), "utf8")).toBe("not the export's\n");
  }, 60_000);
});
