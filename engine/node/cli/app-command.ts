import { CommanderError, type Command } from "commander";
import path from "node:path";

export interface AppCliDeps {
  /** Where answers are written (default: stdout). */
  out?: (text: string) => void;
}

/**
 * Adds `atelier app build <dir> [--project <name>]` to a commander program: builds the project's
 * app (its `app/` folder) into `www/`, served at /apps/<Project>/ (engine/node/app-builder/); and
 * `atelier app export <dir> --out <folder>`: the app as a standalone Vite project (export.ts).
 * Loaded when it runs (the CLI's cold start stays small).
 */
export function appCommand(program: Command, deps: AppCliDeps = {}): Command {
  const out = deps.out ?? ((t: string) => void process.stdout.write(t.endsWith("\n") ? t : t + "\n"));
  const app = program.command("app").description("the projects' apps (UI builder)");
  app
    .command("build")
    .description(
      "build a project's app into www/, which the engine serves at /apps/<Project>/: its app/ sources are generated first from the project's application (pages, shared objects, scripts, FullSync views), never touching app/src/custom/",
    )
    .argument("<dir>", "the project folder, or the workspace folder holding it")
    .option("--project <name>", "the project (required with a workspace folder)")
    .option("--json", "print the result as JSON")
    .action(async (dir: string, o: { project?: string; json?: boolean }) => {
      const { resolveProjectDir } = await import("./project-dir.ts");
      const { generateAndBuild } = await import("../app-builder/app-build.ts");
      const folder = await resolveProjectDir(path.resolve(dir), o.project, appUsage);
      const r = await generateAndBuild(folder);
      if (o.json) out(JSON.stringify(r, null, 2));
      else out(r.lines.join("\n"));
    });
  app
    .command("export")
    .description(
      "write a project's app as a standalone Vite + React project into a folder (empty, new, or a previous export): generated sources, your app/src/custom/ (never overwritten there), Atelier's app runtime under src/atelier/, package.json pinned to the versions Atelier builds with, vite.config.ts (manifest and service worker included), capacitor.config.json (webDir dist)",
    )
    .argument("<dir>", "the project folder, or the workspace folder holding it")
    .option("--project <name>", "the project (required with a workspace folder)")
    .requiredOption("--out <folder>", "the folder to write the export into (outside the project)")
    .option("--base <path>", 'the path the app is served under: "/" (default, a Capacitor shell\'s root) or /my-app/')
    .option("--json", "print the result as JSON")
    .action(async (dir: string, o: { project?: string; out: string; base?: string; json?: boolean }) => {
      const { resolveProjectDir } = await import("./project-dir.ts");
      const { AppExportError, exportApp } = await import("../app-builder/export.ts");
      const folder = await resolveProjectDir(path.resolve(dir), o.project, appUsage);
      try {
        const r = await exportApp({
          projectDir: folder,
          outDir: path.resolve(o.out),
          ...(o.base !== undefined ? { base: o.base } : {}),
        });
        if (o.json) out(JSON.stringify(r, null, 2));
        else out(r.lines.join("\n"));
      } catch (e) {
        // A refusal (a folder of other files, a bad base, a project that does not load): said as such.
        if (e instanceof AppExportError) throw appUsage(e.message);
        throw e;
      }
    });
  return app;
}

/** A refusal of `atelier app` (exit code 2, the message printed). */
export function appUsage(message: string): CommanderError {
  return new CommanderError(2, "atelier.app", message);
}
