/**
 * Deploying a project folder to a server, as the CLI and the Studio do it: pre-deploy checks
 * (validation errors block; test cases when asked), the .car built, uploaded, the deploy followed
 * to its end, and the version remembered so the next deploy says which one it replaces (a deploy
 * made by someone else in between is then refused, naming who and when, unless forced).
 */
import { existsSync } from "node:fs";
import path from "node:path";
import { walk } from "../../common/model/node.ts";
import { isPlainObject } from "../../common/model/props.ts";
import { ApiError } from "../../common/http/api-error.ts";
import type { DeployStatus } from "../../common/admin/routes.ts";
import { Engine } from "../engine.ts";
import { EngineLog } from "../log.ts";
import { loadProject, type LoadedProject } from "../project/project-files.ts";
import { runProjectTests } from "../test-cases/test-cases.ts";
import { JsonFile } from "../admin/json-file.ts";
import { AdminClient, type ServerTarget } from "./admin-client.ts";
import { buildCar } from "./car.ts";

export interface DeployOptions {
  projectDir: string;
  target: ServerTarget;
  force?: boolean;
  /** Runs the project's test cases first; a failure blocks the deploy. */
  requireTests?: boolean;
  /** Where the versions deployed are remembered (the user's configuration folder). */
  stateDir: string;
  atelierVersion: string;
  onProgress?: (step: string, status?: DeployStatus) => void;
}

export interface DeployOutcome {
  project: string;
  version: number;
  replaced?: number;
  url: string;
  digest: string;
  warnings: string[];
  bytes: number;
  tests?: { passed: number; failed: number };
}

type Remembered = { deployed: Record<string, { version: number; at: string }> };

function memory(stateDir: string): JsonFile<Remembered> {
  return new JsonFile<Remembered>(
    path.join(stateDir, "deployed.json"),
    () => ({ deployed: {} }),
    (v) => (isPlainObject(v) && isPlainObject(v.deployed) ? (v as Remembered) : { deployed: {} }),
  );
}

const keyOf = (url: string, project: string) => `${new URL(url).origin}|${project}`;

/** Why a project cannot be deployed as it is, or [] (invalid objects, files that did not load). */
export async function predeployProblems(projectDir: string): Promise<string[]> {
  return problemsOf(await loadProject(projectDir));
}

function problemsOf(loaded: LoadedProject): string[] {
  const out = loaded.errors.map(
    (e) => `${e.location?.file ?? ""}${e.location?.line ? `:${e.location.line}` : ""}: ${e.message}`,
  );
  walk(loaded.root, (n) => {
    if (n.type === "Foreign") return;
    for (const i of n.issues ?? []) {
      out.push(
        `${n.location?.file ?? n.name}${n.location?.line ? `:${n.location.line}` : ""}: ${n.type} "${n.name}": ${i.message}`,
      );
    }
  });
  return out;
}

/**
 * A project with an application ships its app built from what is designed now (`www/` goes in
 * the .car): built here before the archive when this installation has the app toolchain; else
 * the `www/` built earlier is shipped as it is, and a project whose app was never built is
 * refused (a server would serve no app). Answers what to say in the outcome's warnings.
 */
async function appForDeploy(
  projectDir: string,
  project: string,
  loaded: LoadedProject,
  progress: (step: string) => void,
): Promise<string | undefined> {
  if (!loaded.root.children.some((c) => c.type === "Application")) return undefined;
  const { AppBuildError, toolchainProblem } = await import("../app-builder/build.ts");
  const problem = toolchainProblem();
  if (problem) {
    if (existsSync(path.join(projectDir, "www", "index.html"))) {
      return "The app was not rebuilt (this installation cannot build apps): its www/ built earlier is deployed";
    }
    throw new ApiError(
      422,
      "app_not_built",
      `${project} has an application whose app was never built (no www/), and this installation cannot build apps: run \`atelier app build\` where it can, then deploy. ${problem}`,
    );
  }
  progress("building-app");
  const { generateAndBuild } = await import("../app-builder/app-build.ts");
  try {
    const r = await generateAndBuild(projectDir);
    return r.warnings.length
      ? `The app was built with ${r.warnings.length} warning(s): ${r.warnings.join("; ")}`
      : undefined;
  } catch (e) {
    if (e instanceof AppBuildError)
      throw new ApiError(422, "app_build_failed", `The app of ${project} does not build: ${e.message}`);
    throw e;
  }
}

export async function deployProject(opts: DeployOptions): Promise<DeployOutcome> {
  const projectDir = path.resolve(opts.projectDir);
  const project = path.basename(projectDir);
  const progress = opts.onProgress ?? (() => {});

  progress("checking");
  const loaded = await loadProject(projectDir);
  const problems = problemsOf(loaded);
  if (problems.length) {
    throw new ApiError(
      422,
      "invalid_project",
      `${project} has ${problems.length} problem(s) to fix before deploying: ${problems.slice(0, 5).join("; ")}`,
      { problems },
    );
  }
  let tests: DeployOutcome["tests"];
  if (opts.requireTests) {
    progress("testing");
    const engine = await Engine.open({
      workspaceDir: path.dirname(projectDir),
      projectDirs: [projectDir],
      log: new EngineLog({ level: "error" }),
    });
    try {
      const results = await runProjectTests(engine, project);
      const failed = results.filter((r) => !r.ok);
      tests = { passed: results.length - failed.length, failed: failed.length };
      if (failed.length) {
        throw new ApiError(
          422,
          "tests_failed",
          `${failed.length} of ${results.length} test case(s) failed: ${failed
            .slice(0, 5)
            .map((r) => `${r.requestable} › ${r.testCase}`)
            .join(", ")}`,
          {
            failed: failed.map((r) => ({
              requestable: r.requestable,
              testCase: r.testCase,
              differences: r.differences,
            })),
          },
        );
      }
    } finally {
      await engine.close();
    }
  }

  const appNote = await appForDeploy(projectDir, project, loaded, progress);
  progress("building");
  const car = await buildCar(projectDir, opts.atelierVersion);
  const remembered = memory(opts.stateDir);
  const key = keyOf(opts.target.url, project);
  const client = new AdminClient(opts.target);
  try {
    let replaces: number | null | undefined = (await remembered.read()).deployed[key]?.version;
    if (replaces === undefined) {
      // Never deployed from here: replace what serves now (a deploy between this call and the
      // upload is still caught by the server).
      replaces = await client.call("project", { params: { project } }).then(
        (p) => p.current,
        (e: unknown) => {
          if (e instanceof ApiError && e.status === 404) return null;
          throw e;
        },
      );
    }
    progress("uploading");
    const result = await client.deploy(project, car.bytes, {
      replaces,
      ...(opts.force ? { force: true } : {}),
      onPhase: (s) => progress(s.phase, s),
    });
    await remembered.update((doc) => {
      doc.deployed[key] = { version: result.version, at: new Date().toISOString() };
    });
    return {
      project,
      version: result.version,
      ...(result.replaced !== undefined ? { replaced: result.replaced } : {}),
      url: result.url,
      digest: result.digest,
      warnings: appNote ? [appNote, ...result.warnings] : result.warnings,
      bytes: car.bytes.length,
      ...(tests ? { tests } : {}),
    };
  } finally {
    await client.close();
  }
}

/** Rolls a project back on a server; the version remembered follows. */
export async function rollbackProject(opts: {
  project: string;
  target: ServerTarget;
  to?: number;
  stateDir: string;
}): Promise<{ project: string; version: number; replaced?: number }> {
  const client = new AdminClient(opts.target);
  try {
    const r = await client.call("rollback", {
      params: { project: opts.project },
      body: opts.to ? { to: opts.to } : {},
    });
    await memory(opts.stateDir).update((doc) => {
      doc.deployed[keyOf(opts.target.url, opts.project)] = { version: r.version, at: new Date().toISOString() };
    });
    return r;
  } finally {
    await client.close();
  }
}
