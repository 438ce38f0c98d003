/**
 * Writes a project's generated app sources into its `app/` folder (engine/common/ui/codegen/app.ts
 * makes them): generated files rewritten when they changed (unchanged ones keep their time, so a
 * build's cache stays warm), generated files of removed objects deleted, custom files written only
 * when absent. Nothing outside `app/` is written, and nothing under `app/src/custom/` is ever
 * replaced or removed.
 */
import { mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import type { AppSources } from "../../common/ui/codegen/app.ts";
import { APP_SOURCE_DIR } from "./build.ts";

/** The folder whose files are all generated (anything else there is from an older generation). */
const GENERATED_DIR = "src/generated";

export interface WrittenSources {
  /** Files written (changed or new), relative to app/. */
  written: string[];
  /** Generated files removed (their object is gone). */
  removed: string[];
  /** Custom files created (they were absent). */
  created: string[];
}

/** A path under app/, checked: relative, no `..`, no absolute part. */
function inside(appDir: string, rel: string): string {
  const full = path.resolve(appDir, rel);
  if (!full.startsWith(appDir + path.sep)) throw new Error(`A generated file would be outside app/: ${rel}`);
  return full;
}

export async function writeAppSources(projectDir: string, sources: AppSources): Promise<WrittenSources> {
  const appDir = path.resolve(projectDir, APP_SOURCE_DIR);
  const out: WrittenSources = { written: [], removed: [], created: [] };
  for (const [rel, text] of Object.entries(sources.generated)) {
    const file = inside(appDir, rel);
    const old = await readFile(file, "utf8").catch(() => undefined);
    if (old === text) continue;
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, text);
    out.written.push(rel);
  }
  for (const [rel, text] of Object.entries(sources.custom)) {
    const file = inside(appDir, rel);
    await mkdir(path.dirname(file), { recursive: true });
    try {
      await writeFile(file, text, { flag: "wx" });
      out.created.push(rel);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
    }
  }
  const generatedDir = path.join(appDir, GENERATED_DIR);
  const entries = await readdir(generatedDir, { recursive: true, withFileTypes: true }).catch(() => []);
  for (const entry of entries) {
    if (!entry.isFile()) continue;
    const rel = path.relative(appDir, path.join(entry.parentPath, entry.name)).split(path.sep).join("/");
    if (!(rel in sources.generated)) {
      await rm(path.join(appDir, rel), { force: true });
      out.removed.push(rel);
    }
  }
  out.written.sort();
  out.removed.sort();
  out.created.sort();
  return out;
}
