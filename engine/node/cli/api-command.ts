import { CommanderError, type Command } from "commander";
import path from "node:path";

export interface ApiCliDeps {
  /** Where answers are written (default: stdout). */
  out?: (text: string) => void;
}

/**
 * Adds `atelier api generate <dir> --project <name>` to a commander program: the project's REST
 * API made from its sequences (engine/common/api/generate-mapper.ts), written to its files (a new
 * api/<name>.yaml, or new paths in the existing one). `<dir>` is a project folder, or a workspace
 * folder holding the project named by --project. What it does is loaded when it runs (the CLI's
 * cold start stays small).
 */
export function apiCommand(program: Command, deps: ApiCliDeps = {}): Command {
  const out = deps.out ?? ((t: string) => void process.stdout.write(t.endsWith("\n") ? t : t + "\n"));
  const api = program.command("api").description("the projects' REST APIs (URL mappers)");
  api
    .command("generate")
    .description(
      "make a project's REST API from its sequences: one path per Public or Hidden sequence, GET when it only reads, POST otherwise, its variables as parameters; an existing API gets the sequences it lacks",
    )
    .argument("<dir>", "the project folder, or the workspace folder holding it")
    .option("--project <name>", "the project (required with a workspace folder)")
    .option("--dry-run", "say what would be added, write nothing")
    .option("--json", "print what was added as JSON")
    .action(async (dir: string, o: { project?: string; dryRun?: boolean; json?: boolean }) => {
      const { generateApiFiles } = await import("./api-generate.ts");
      const r = await generateApiFiles(path.resolve(dir), o.project, { dryRun: Boolean(o.dryRun) });
      if (o.json) out(JSON.stringify(r, null, 2));
      else out(r.lines.join("\n"));
    });
  return api;
}

/** A refusal of `atelier api` (exit code 2, the message printed). */
export function apiUsage(message: string): CommanderError {
  return new CommanderError(2, "atelier.api", message);
}
