import { CommanderError, Option, type Command } from "commander";
import path from "node:path";
import type { Engine, EngineOptions } from "../engine.ts";
import type { JobRun, JobStatus, Scheduler } from "./scheduler.ts";

export interface JobsCliDeps {
  /** Opens an engine on the workspace (`Engine.open`): to check a job's sequence, and to run it. */
  openEngine: (opts: EngineOptions) => Promise<Engine>;
  /** The folder of jobs.json and job-runs.jsonl when --jobs-dir is absent (default `<workspace>/.atelier`). */
  jobsDir?: (workspaceDir: string) => string;
  /** The time zone of jobs added without --tz (default: this machine's). */
  timezone?: string;
  /** Where answers are written (default: stdout). */
  out?: (text: string) => void;
}

interface Common {
  workspace: string;
  jobsDir?: string;
}

/** Collects repeated `--input name=value` (a repeated name keeps its last value). */
function collectInput(value: string, previous: Record<string, string> | undefined): Record<string, string> {
  const i = value.indexOf("=");
  if (i <= 0) throw new CommanderError(2, "atelier.jobs.input", `--input "${value}" must be name=value`);
  return { ...previous, [value.slice(0, i)]: value.slice(i + 1) };
}

function when(iso: string | undefined): string {
  return iso ?? "-";
}

function describeRun(r: JobRun): string {
  const head = `${r.at}${r.manual ? " (run now)" : ""}`;
  if (r.skipped) return `${head} skipped: ${r.skipped}`;
  return r.ok ? `${head} ok in ${r.durationMs} ms` : `${head} FAILED after ${r.durationMs} ms: ${r.error ?? ""}`;
}

function describeJob(j: JobStatus): string {
  const inputs = Object.keys(j.inputs).length ? ` inputs ${JSON.stringify(j.inputs)}` : "";
  const state = j.running ? `running since ${j.runningSince}` : j.paused ? "paused" : `next ${when(j.nextRun)}`;
  const last = j.lastRun ? `; last ${describeRun(j.lastRun)}` : "";
  return `${j.id}: ${j.project}.${j.sequence} "${j.cron}" (${j.timezone})${inputs}: ${state}${last}`;
}

/** The machine's time zone, or UTC. */
function localTimezone(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
  } catch {
    return "UTC";
  }
}

/**
 * Adds `atelier jobs list|add|update|pause|resume|remove|run|runs` to a commander program: scheduled
 * jobs of a workspace, kept in `<workspace>/.atelier/jobs.json` (or `--jobs-dir`), their runs in
 * `job-runs.jsonl` beside it. The CLI edits the files; an engine serving the workspace runs the
 * jobs on their schedule. `run` runs a job at once in this process (an engine opened on the
 * workspace) and records it; it exits 1 when the run fails.
 */
export function jobsCommand(program: Command, deps: JobsCliDeps): Command {
  const out = deps.out ?? ((t: string) => void process.stdout.write(t.endsWith("\n") ? t : t + "\n"));
  // The machine's time zone is asked of ICU (tens of ms) when a jobs command runs, not when the
  // CLI starts: the help of `jobs add` gets it then.
  let zone: string | undefined;
  const timezone = () => (zone ??= deps.timezone ?? localTimezone());
  const tzOption = new Option("--tz <zone>", "the IANA time zone of the cron expression");

  const jobs = program
    .command("jobs")
    .description("scheduled jobs: run a sequence with given inputs on a cron schedule")
    .hook("preSubcommand", () => {
      tzOption.description = `the IANA time zone of the cron expression (default: ${timezone()})`;
    });

  const sub = (name: string, description: string) =>
    jobs
      .command(name)
      .description(description)
      .option("--workspace <dir>", "the workspace folder", ".")
      .option("--jobs-dir <dir>", "the folder of jobs.json and job-runs.jsonl (default: <workspace>/.atelier)");

  const dirOf = (o: Common) => {
    const workspaceDir = path.resolve(o.workspace);
    const dir = o.jobsDir
      ? path.resolve(o.jobsDir)
      : (deps.jobsDir?.(workspaceDir) ?? path.join(workspaceDir, ".atelier"));
    return { workspaceDir, dir };
  };

  /** A scheduler on the files (never started: no timer), with an engine when `withEngine`. */
  async function open<R>(o: Common, withEngine: boolean, use: (s: Scheduler) => Promise<R>): Promise<R> {
    const { workspaceDir, dir } = dirOf(o);
    // Loaded when a jobs command runs, not with the CLI (`atelier run` does not parse the scheduler).
    const [{ engineJobHooks, jobFiles, Scheduler }, { EngineLog }] = await Promise.all([
      import("./scheduler.ts"),
      import("../log.ts"),
    ]);
    const engine = withEngine
      ? await deps.openEngine({ workspaceDir, log: new EngineLog({ level: "error" }) })
      : undefined;
    const hooks = engine ? engineJobHooks(engine) : undefined;
    const scheduler = new Scheduler({
      ...jobFiles(dir),
      timezone: timezone(),
      run: hooks?.run ?? (() => Promise.reject(new Error("this command runs no job"))),
      ...(hooks ? { check: hooks.check } : {}),
    });
    try {
      return await use(scheduler);
    } finally {
      await scheduler.close();
      await engine?.close();
    }
  }

  sub("list", "list the jobs with their next and last runs")
    .option("--json", "print JSON")
    .action((o: Common & { json?: boolean }) =>
      open(o, false, async (s) => {
        const all = await s.list();
        if (o.json) out(JSON.stringify(all, null, 2));
        else if (all.length === 0)
          out(`No jobs in ${(await import("./scheduler.ts")).jobFiles(dirOf(o).dir).jobsFile}`);
        else for (const j of all) out(describeJob(j));
      }),
    );

  sub("add", "add a job")
    .requiredOption("--project <name>", "the project")
    .requiredOption("--sequence <name>", "the sequence to run")
    .requiredOption(
      "--cron <expr>",
      'when: 5 fields "minute hour day-of-month month day-of-week" (e.g. "0 9 * * 1-5"), or 6 with seconds first',
    )
    .option("--id <id>", "the job's id (letters, digits, _ . -; default: <project>.<sequence>)")
    .addOption(tzOption)
    .option("--input <name=value>", "an input of the sequence (repeat for several)", collectInput)
    .option("--paused", "add it paused")
    .action(
      (
        o: Common & {
          project: string;
          sequence: string;
          cron: string;
          id?: string;
          tz?: string;
          input?: Record<string, string>;
          paused?: boolean;
        },
      ) =>
        open(o, true, async (s) => {
          const j = await s.create({
            ...(o.id !== undefined ? { id: o.id } : {}),
            project: o.project,
            sequence: o.sequence,
            cron: o.cron,
            ...(o.tz !== undefined ? { timezone: o.tz } : {}),
            inputs: o.input ?? {},
            paused: Boolean(o.paused),
          });
          out(`Job added: ${describeJob(j)}`);
        }),
    );

  sub("update", "change a job's schedule, time zone or inputs")
    .requiredOption("--id <id>", "the job")
    .option("--cron <expr>", "the new cron expression")
    .option("--tz <zone>", "the new time zone")
    .option("--input <name=value>", "the new inputs, replacing all of them (repeat for several)", collectInput)
    .option("--no-inputs", "remove every input")
    .action(
      (o: Common & { id: string; cron?: string; tz?: string; input?: Record<string, string>; inputs: boolean }) => {
        if (o.input && !o.inputs)
          throw new CommanderError(2, "atelier.jobs.inputs", "give --input or --no-inputs, not both");
        const changes = {
          ...(o.cron !== undefined ? { cron: o.cron } : {}),
          ...(o.tz !== undefined ? { timezone: o.tz } : {}),
          ...(o.input ? { inputs: o.input } : !o.inputs ? { inputs: {} } : {}),
        };
        if (Object.keys(changes).length === 0)
          throw new CommanderError(
            2,
            "atelier.jobs.update",
            "give what to change: --cron, --tz, --input or --no-inputs",
          );
        return open(o, true, async (s) => out(`Job updated: ${describeJob(await s.update(o.id, changes))}`));
      },
    );

  sub("pause", "pause a job (it keeps its schedule, and runs again once resumed)")
    .requiredOption("--id <id>", "the job")
    .action((o: Common & { id: string }) =>
      open(o, false, async (s) => out(`Job paused: ${describeJob(await s.pause(o.id))}`)),
    );

  sub("resume", "resume a paused job")
    .requiredOption("--id <id>", "the job")
    .action((o: Common & { id: string }) =>
      open(o, true, async (s) => out(`Job resumed: ${describeJob(await s.resume(o.id))}`)),
    );

  sub("remove", "remove a job (its past runs stay in job-runs.jsonl)")
    .requiredOption("--id <id>", "the job")
    .action((o: Common & { id: string }) =>
      open(o, false, async (s) => {
        await s.remove(o.id);
        out(`Job removed: ${o.id}`);
      }),
    );

  sub("run", "run a job now in this process, and record the run; exits 1 when it fails")
    .requiredOption("--id <id>", "the job")
    .action((o: Common & { id: string }) =>
      open(o, true, async (s) => {
        const r = await s.runNow(o.id);
        out(JSON.stringify(r, null, 2));
        if (!r.ok) throw new CommanderError(1, "atelier.jobs.failed", `the job "${o.id}" failed: ${r.error ?? ""}`);
      }),
    );

  sub("runs", "show a job's last runs, oldest first")
    .requiredOption("--id <id>", "the job")
    .option("--last <n>", "how many (1 to 10000)", "20")
    .option("--json", "print JSON")
    .action((o: Common & { id: string; last: string; json?: boolean }) => {
      const n = Number(o.last);
      if (!Number.isInteger(n) || n < 1 || n > 10_000)
        throw new CommanderError(2, "atelier.jobs.last", "--last must be a whole number from 1 to 10000");
      return open(o, false, async (s) => {
        const runs = await s.runs(o.id, n);
        if (o.json) out(JSON.stringify(runs, null, 2));
        else if (runs.length === 0) out(`The job "${o.id}" has not run yet`);
        else for (const r of runs) out(describeRun(r));
      });
    });

  return jobs;
}
