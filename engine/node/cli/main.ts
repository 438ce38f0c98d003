import { Command, CommanderError, Option } from "commander";
import path from "node:path";
import type { RunningAtelier } from "../app.ts";
import type { Engine, EngineOptions } from "../engine.ts";
import { jobsCommand } from "../scheduler/jobs-cli.ts";
import { apiCommand } from "./api-command.ts";
import { appCommand } from "./app-command.ts";
import { closeCliConnections, serverCommands } from "./server-commands.ts";
import { ATELIER_VERSION } from "../version.ts";

// Each command loads what it uses when it runs (`await import()`): the CLI's own start loads
// commander and the command table only, so `atelier run` does not parse the HTTP server, the
// Studio, FullSync, Redis's client or the importer, and `--help` parses none of the engine.

/**
 * password.ts's DEFAULT_ITERATIONS, for the help of `hash-password` without loading it (it is
 * bundled with the type registry); a test checks they are the same.
 */
export const HASH_PASSWORD_DEFAULT_ITERATIONS = 600_000;

/**
 * The engine and its log, for `run` and `test`: one-shot commands; the pool keeps no spare
 * worker: there is no next run to have one ready for. With `warm`, the sandbox's first worker
 * (QuickJS) is started first, so it boots on another thread while this one parses the engine
 * (Engine.open awaits it): `test` runs many test cases, most with JavaScript. `run` does not: a
 * sequence whose expressions are simple (simple-expression.ts) needs no worker at all, and one
 * that needs JavaScript starts it at its first step that does (measured: no slower).
 */
async function engineModules(warm = true) {
  const pool = import("../runtime/sandbox-pool.ts").then((m) => {
    m.configureSandboxPool({ spare: false });
    if (!warm) return;
    m.sandboxPool()
      .warm()
      .catch(() => {}); // Engine.open waits for it and says why it failed
  });
  const [{ Engine }, { EngineLog }] = await Promise.all([import("../engine.ts"), import("../log.ts"), pool]);
  return { Engine, EngineLog };
}

async function openEngine(opts: EngineOptions): Promise<Engine> {
  const { Engine } = await import("../engine.ts");
  return Engine.open(opts);
}

/** Collects repeated `--opt name=value` options into a map (repeated names make lists). */
function collectPairs(value: string, previous: Record<string, string[]>): Record<string, string[]> {
  const i = value.indexOf("=");
  if (i <= 0) throw new CommanderError(2, "atelier.pair", `"${value}" must be name=value`);
  const name = value.slice(0, i);
  const v = value.slice(i + 1);
  return { ...previous, [name]: [...(previous[name] ?? []), v] };
}

/** The options of `atelier serve`. */
interface ServeOptions {
  workspace: string;
  port: string;
  host: string;
  set: Record<string, string[]>;
  tlsCert?: string;
  tlsKey?: string;
}

function single(pairs: Record<string, string[]>): Record<string, string> {
  return Object.fromEntries(Object.entries(pairs).map(([k, v]) => [k, v[v.length - 1] as string]));
}

function out(text: string): void {
  process.stdout.write(text.endsWith("\n") ? text : text + "\n");
}

/**
 * FullSync for a CLI run of a project that declares FullSync databases (a private seeding sequence
 * run from the command line): the workspace's own databases. When `atelier serve` holds them, the
 * run goes on without FullSync and its FullSync transactions say so.
 */
async function fullSyncFor(engine: Engine): Promise<{ close(): Promise<void> } | undefined> {
  const declares = [...engine.workspace.projects.values()].some((p) =>
    p.root.children.some((c) => c.type === "FullSyncConnector"),
  );
  if (!declares) return undefined;
  const { startEngineFullSync } = await import("../fullsync/engine-fullsync.ts");
  try {
    return await startEngineFullSync(engine);
  } catch (e) {
    process.stderr.write(
      `atelier: FullSync is not available to this run (${(e as Error).message}); stop \`atelier serve\` on this workspace to use its databases\n`,
    );
    return undefined;
  }
}

/** Where an installation keeps the built Studio and the example workspace (given by the entry point). */
export interface InstallLayout {
  studioDist?: string;
  examplesDir?: string;
}

/** Runs the CLI; answers the exit code. */
export async function main(argv: string[], layout: InstallLayout = {}): Promise<number> {
  // The modules are loaded: bench/startup splits a cold start by these marks (nothing is printed).
  performance.mark("atelier:main");
  let code = 0;
  const program = new Command()
    .name("atelier")
    .description("Atelier: run, test and serve low-code projects")
    .showHelpAfterError()
    .exitOverride();

  program
    .command("run")
    .description("run a sequence (or a transaction) of a project and print its JSON output")
    .requiredOption("--project <dir>", "the project folder")
    .option("--sequence <name>", "the sequence to run")
    .option("--connector <name>", "the connector of the transaction (default connector when absent)")
    .option("--transaction <name>", "the transaction to run")
    .option(
      "--var <name=value>",
      "an input variable (repeat for several, or for a multi-valued variable)",
      collectPairs,
      {},
    )
    .option("--set <name=value>", "a setting override", collectPairs, {})
    .option("--trace", "print the trace of every step to stderr")
    .action(
      async (o: {
        project: string;
        sequence?: string;
        connector?: string;
        transaction?: string;
        var: Record<string, string[]>;
        set: Record<string, string[]>;
        trace?: boolean;
      }) => {
        if (!o.sequence && !o.transaction && !o.connector)
          throw new CommanderError(2, "atelier.run", "give --sequence or --transaction");
        const projectDir = path.resolve(o.project);
        const [{ Engine, EngineLog }, { runAnswer }] = await Promise.all([
          engineModules(false),
          import("../test-cases/test-cases.ts"),
        ]);
        performance.mark("atelier:loaded");
        const engine = await Engine.open({
          workspaceDir: path.dirname(projectDir),
          projectDirs: [projectDir],
          warmSandbox: false,
          settings: single(o.set),
          log: new EngineLog({ level: (process.env.ATELIER_LOG_LEVEL as "info") ?? "warn" }),
        });
        performance.mark("atelier:opened");
        const fullsync = await fullSyncFor(engine);
        try {
          const inputs: Record<string, unknown> = {};
          for (const [k, v] of Object.entries(o.var)) inputs[k] = v.length === 1 ? v[0] : v;
          const result = await engine.run({
            project: path.basename(projectDir),
            ...(o.sequence ? { sequence: o.sequence } : { connector: o.connector, transaction: o.transaction }),
            inputs,
            trace: Boolean(o.trace),
          });
          performance.mark("atelier:ran");
          if (o.trace && result.trace) {
            for (const e of result.trace) {
              const pad = "  ".repeat(e.depth);
              const status = e.status === "ok" ? "ok" : `ERROR ${e.error?.code}: ${e.error?.message}`;
              process.stderr.write(`${pad}${e.type} "${e.name}" [${e.id}] ${e.durationMs ?? 0} ms ${status}\n`);
              if (e.inputs) process.stderr.write(`${pad}  inputs: ${JSON.stringify(e.inputs)}\n`);
              if (e.output !== undefined) process.stderr.write(`${pad}  output: ${JSON.stringify(e.output)}\n`);
            }
          }
          out(JSON.stringify(runAnswer(result), null, 2));
          code = result.ok ? 0 : 1;
        } finally {
          await fullsync?.close();
          await engine.close();
          performance.mark("atelier:closed");
        }
      },
    );

  program
    .command("test")
    .description("run every test case of a project; exit non-zero when one fails")
    .requiredOption("--project <dir>", "the project folder")
    .option("--set <name=value>", "a setting override", collectPairs, {})
    .option("--json", "print the results as JSON")
    .action(async (o: { project: string; set: Record<string, string[]>; json?: boolean }) => {
      const projectDir = path.resolve(o.project);
      const [{ Engine, EngineLog }, { runProjectTests }] = await Promise.all([
        engineModules(),
        import("../test-cases/test-cases.ts"),
      ]);
      const engine = await Engine.open({
        workspaceDir: path.dirname(projectDir),
        projectDirs: [projectDir],
        settings: single(o.set),
        log: new EngineLog({ level: "error" }),
      });
      try {
        const results = await runProjectTests(engine, path.basename(projectDir));
        if (o.json) out(JSON.stringify(results, null, 2));
        else {
          for (const r of results) {
            out(`${r.ok ? "PASS" : "FAIL"} ${r.requestable} › ${r.testCase} (${r.durationMs} ms)`);
            if (r.problem) out(`     ${r.problem}`);
            for (const d of r.differences) out(`     ${d.path}: ${d.message}`);
          }
          const failed = results.filter((r) => !r.ok).length;
          out(`${results.length - failed} passed, ${failed} failed, ${results.length} test case(s)`);
        }
        code = results.some((r) => !r.ok) ? 1 : 0;
      } finally {
        await engine.close();
      }
    });

  program
    .command("serve")
    .description("serve a workspace: the Convertigo-compatible API, FullSync and the Studio")
    .requiredOption("--workspace <dir>", "the workspace folder")
    .option("--port <n>", "port (0 or none: a free port)", "0")
    .option("--host <host>", "address to listen on", "127.0.0.1")
    .option("--set <name=value>", "a setting override", collectPairs, {})
    .option("--tls-cert <file>", "a PEM certificate (chain): serve HTTPS only (with --tls-key)")
    .option("--tls-key <file>", "the PEM private key of --tls-cert")
    .action(async (o: ServeOptions) => {
      const port = Number(o.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535)
        throw new CommanderError(2, "atelier.port", `invalid port "${o.port}"`);
      if (Boolean(o.tlsCert) !== Boolean(o.tlsKey))
        throw new CommanderError(2, "atelier.tls", "give both --tls-cert and --tls-key, or neither");
      const { readTlsFiles } = await import("../server/tls.ts");
      const tls = o.tlsCert && o.tlsKey ? await readTlsFiles(o.tlsCert, o.tlsKey) : undefined;
      const printUrls = (app: RunningAtelier) => {
        out(`Atelier engine: ${app.url}`);
        if (app.studioUrl) out(`Atelier Studio: ${app.studioUrl}`);
        const engine = app.engine;
        if ([...engine.workspace.projects.values()].some((p) => p.root.children.some((c) => c.type === "UrlMapper"))) {
          const prefix = (engine.config.rest?.prefix ?? "/api").slice(1);
          out(
            `REST APIs: ${app.url}${prefix}/ (OpenAPI: ${app.url}${prefix}/openapi.json, docs: ${app.url}${prefix}/docs)`,
          );
        }
      };
      // The Studio may open another workspace: the engine then restarts there, on the same port.
      // Loaded when serving only: `atelier run` starts faster without the HTTP server's modules.
      const { ServedAtelier } = await import("./served-atelier.ts");
      const app = await ServedAtelier.start(
        {
          workspaceDir: path.resolve(o.workspace),
          host: o.host,
          port,
          ...(tls ? { tls } : {}),
          settings: single(o.set),
          studio: {
            ...(layout.studioDist ? { distDir: layout.studioDist } : {}),
            ...(layout.examplesDir ? { examplesDir: layout.examplesDir } : {}),
          },
        },
        (restarted) => {
          process.stderr.write(`atelier: now serving the workspace ${restarted.engine.workspace.dir}\n`);
          printUrls(restarted);
        },
      );
      printUrls(app.current);
      performance.mark("atelier:serving");
      await new Promise<void>((resolve) => {
        const stop = () => resolve();
        process.once("SIGINT", stop);
        process.once("SIGTERM", stop);
      });
      await app.close();
    });

  program
    .command("secret")
    .description("store a secret setting of a project, encrypted with the workspace key (value read from stdin)")
    .requiredOption("--project <dir>", "the project folder")
    .requiredOption("--name <name>", "the setting's name")
    .action(async (o: { project: string; name: string }) => {
      const chunks: Buffer[] = [];
      for await (const c of process.stdin) chunks.push(c as Buffer);
      const value = Buffer.concat(chunks)
        .toString("utf8")
        .replace(/\r?\n$/, "");
      if (value === "") throw new CommanderError(2, "atelier.secret", "give the secret's value on stdin");
      const { setProjectSecret } = await import("../project/set-secret.ts");
      await setProjectSecret(o.project, o.name, value);
      out(`Secret setting "${o.name}" stored encrypted in ${path.join(path.resolve(o.project), "project.yaml")}`);
    });

  program
    .command("hash-password")
    .description("print a salted hash of a password read from stdin, for Check Password steps")
    .option("--iterations <n>", "PBKDF2 iterations", String(HASH_PASSWORD_DEFAULT_ITERATIONS))
    .action(async (o: { iterations: string }) => {
      const iterations = Number(o.iterations);
      if (!Number.isInteger(iterations) || iterations < 100_000 || iterations > 10_000_000)
        throw new CommanderError(
          2,
          "atelier.iterations",
          "--iterations must be a whole number from 100000 to 10000000",
        );
      const chunks: Buffer[] = [];
      for await (const c of process.stdin) chunks.push(c as Buffer);
      const password = Buffer.concat(chunks)
        .toString("utf8")
        .replace(/\r?\n$/, "");
      if (password === "") throw new CommanderError(2, "atelier.password", "give the password on stdin");
      const { hashPassword } = await import("../../common/model/password.ts");
      out(await hashPassword(password, iterations));
    });

  program
    .command("import-convertigo")
    .description("import a Convertigo project folder (c8oProject.yaml + _c8oProject/) into a workspace")
    .argument("<src>", "the Convertigo project folder")
    .requiredOption("--out <workspace>", "the workspace to create the project folder in (never overwritten)")
    .option("--name <name>", "the Atelier project's name (default: the Convertigo project's name)")
    .option("--c8o-passphrase-env <var>", "environment variable holding the Convertigo server's crypto passphrase")
    .option(
      "--references-from <folder>",
      "where the projects it references are looked for, imported too when the workspace lacks them (default: the folder holding <src>)",
    )
    .option("--no-references", "import the project alone, not the projects it references")
    .action(
      async (
        src: string,
        o: { out: string; name?: string; c8oPassphraseEnv?: string; referencesFrom?: string; references: boolean },
      ) => {
        const passphrase = o.c8oPassphraseEnv ? process.env[o.c8oPassphraseEnv] : undefined;
        if (o.c8oPassphraseEnv && !passphrase)
          throw new CommanderError(2, "atelier.import", `the environment variable ${o.c8oPassphraseEnv} is empty`);
        const { importConvertigo } = await import("../importer/import.ts");
        const from = o.referencesFrom ?? path.dirname(path.resolve(src));
        const summary = await importConvertigo(src, o.out, {
          ...(o.name ? { name: o.name } : {}),
          ...(passphrase ? { passphrase } : {}),
          ...(o.references ? { references: { from: [from] } } : {}),
        });
        out(JSON.stringify(summary, null, 2));
      },
    );

  program
    .command("deps")
    .description("the projects that the workspace's projects reference")
    .command("fetch")
    .description(
      "clone, from the git URL of their reference (NAME=https://host/repo.git:branch=B:path=P), the referenced projects the workspace lacks, and import them (Convertigo) or copy them (Atelier)",
    )
    .requiredOption("--workspace <dir>", "the workspace folder")
    .option(
      "--project <name>",
      "only the references of this project (repeatable)",
      (v: string, p: string[]) => [...p, v],
      [],
    )
    .option("--c8o-passphrase-env <var>", "environment variable holding the Convertigo server's crypto passphrase")
    .action(async (o: { workspace: string; project: string[]; c8oPassphraseEnv?: string }) => {
      const passphrase = o.c8oPassphraseEnv ? process.env[o.c8oPassphraseEnv] : undefined;
      if (o.c8oPassphraseEnv && !passphrase)
        throw new CommanderError(2, "atelier.deps", `the environment variable ${o.c8oPassphraseEnv} is empty`);
      const { fetchDependencies } = await import("../importer/deps.ts");
      const summary = await fetchDependencies(o.workspace, {
        ...(o.project.length ? { projects: o.project } : {}),
        ...(passphrase ? { passphrase } : {}),
      });
      out(JSON.stringify(summary, null, 2));
      code = summary.failed.length ? 1 : 0;
    });

  serverCommands(program, {
    atelierVersion: ATELIER_VERSION,
    out,
    readStdin: async () => {
      const chunks: Buffer[] = [];
      for await (const c of process.stdin) chunks.push(c as Buffer);
      return Buffer.concat(chunks).toString("utf8");
    },
  });
  jobsCommand(program, { openEngine });
  apiCommand(program, { out });
  appCommand(program, { out });

  program.addOption(new Option("--version").hideHelp());
  try {
    await program.parseAsync(argv);
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === "commander.helpDisplayed" || e.code === "commander.version" || e.exitCode === 0) return 0;
      if (!e.code.startsWith("commander.")) process.stderr.write(`atelier: ${e.message}\n`);
      return e.exitCode || 2;
    }
    process.stderr.write(`atelier: ${(e as Error).message}\n`);
    return 2;
  } finally {
    await closeCliConnections();
  }
  return code;
}
