/**
 * The projects deployed on a server, each kept as numbered versions:
 *
 *   <data>/projects/<Project>/state.json       which version serves, and the history
 *   <data>/projects/<Project>/v<N>/<Project>/  the project folder of version N
 *
 * A deploy checks everything before anything changes (the archive, then the project it holds:
 * loadable, type versions this server can read, no validation errors), stages it beside the
 * versions, then swaps: the new folder is renamed into place, state.json is replaced atomically,
 * and the engine's workspace gets the new tree in one assignment. Runs under way keep the tree they
 * started with (they finish on the old version), new ones get the new one; sessions belong to
 * the engine and survive. A failure at any point leaves the previous version serving, untouched.
 * The last KEEP versions are kept for rollback.
 */
import { createHash, randomBytes } from "node:crypto";
import { mkdir, readdir, rename, rm } from "node:fs/promises";
import path from "node:path";
import type { DeployedProject, DeployedVersion } from "../../common/admin/routes.ts";
import { isPlainObject } from "../../common/model/props.ts";
import { NAME_PATTERN } from "../../common/types/shared-props.ts";
import type { Engine } from "../engine.ts";
import { loadProject, type LoadedProject } from "../project/project-files.ts";
import { CarError, DEFAULT_CAR_LIMITS, inspectCar, type CarLimits } from "../deploy/car.ts";
import { DeployError } from "./deployment-error.ts";
import { problemsOf, stage } from "./stage.ts";
import { JsonFile } from "./json-file.ts";

/** Versions kept per project (the serving one included). */
export const KEEP_VERSIONS = 5;

/** One version of a project on this server (the admin API answers it as is). */
export type VersionInfo = DeployedVersion;

/** A deployed project's state: which version serves, the history, the last rollback. */
export type ProjectDeployState = Omit<DeployedProject, "requests" | "url">;

export { DeployError } from "./deployment-error.ts";

export interface DeployRequest {
  bytes: Buffer;
  /** The project the client means (must match the archive's). */
  project?: string;
  /** The version the client believes it replaces (null: none yet); absent: no check (Convertigo clients). */
  replaces?: number | null;
  force?: boolean;
  by: { user: string; via: string; from: string; projects: string[] };
  /** Convertigo archives are imported first: a function that turns the bytes into a project folder. */
  prepare?: (bytes: Buffer, stagingDir: string) => Promise<{ project: string; dir: string }>;
}

export interface DeployResult {
  project: string;
  version: number;
  replaced?: number;
  digest: string;
  warnings: string[];
}

const NAME_RE = new RegExp(`^${NAME_PATTERN}$`);

function checkState(v: unknown): ProjectDeployState {
  if (
    !isPlainObject(v) ||
    typeof v.project !== "string" ||
    typeof v.current !== "number" ||
    !Array.isArray(v.versions)
  ) {
    throw new Error("state.json is damaged");
  }
  return v as unknown as ProjectDeployState;
}

export class Deployments {
  readonly dir: string;
  private readonly queues = new Map<string, Promise<unknown>>();

  constructor(
    dataDir: string,
    private readonly engine: Engine,
    private readonly limits: CarLimits = DEFAULT_CAR_LIMITS,
  ) {
    this.dir = path.join(dataDir, "projects");
  }

  private stateFile(project: string): JsonFile<ProjectDeployState> {
    return new JsonFile(
      path.join(this.dir, project, "state.json"),
      (): ProjectDeployState => ({ project, current: 0, versions: [] }),
      checkState,
    );
  }

  private versionDir(project: string, version: number): string {
    return path.join(this.dir, project, `v${version}`, project);
  }

  /** Deploys and rollbacks of one project run one at a time. */
  private serialize<T>(project: string, task: () => Promise<T>): Promise<T> {
    const prev = this.queues.get(project) ?? Promise.resolve();
    const next = prev.then(task, task);
    this.queues.set(
      project,
      next.catch(() => undefined),
    );
    return next;
  }

  /** Loads the serving version of every deployed project into the engine. */
  async loadAll(): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    for (const name of (await readdir(this.dir)).sort()) {
      if (!NAME_RE.test(name)) continue;
      const state = await this.stateFile(name)
        .read()
        .catch(() => undefined);
      if (!state || !state.current) continue;
      try {
        const loaded = await loadProject(this.versionDir(name, state.current));
        this.engine.workspace.add(loaded);
      } catch (e) {
        this.engine.workspace.failures.set(name, (e as Error).message);
        this.engine.log.error(`Deployed project ${name} v${state.current} did not load: ${(e as Error).message}`, name);
      }
    }
  }

  async list(): Promise<ProjectDeployState[]> {
    await mkdir(this.dir, { recursive: true });
    const out: ProjectDeployState[] = [];
    for (const name of (await readdir(this.dir)).sort()) {
      if (!NAME_RE.test(name)) continue;
      const s = await this.stateFile(name)
        .read()
        .catch(() => undefined);
      if (s && s.current) out.push(s);
    }
    return out;
  }

  async state(project: string): Promise<ProjectDeployState | undefined> {
    if (!NAME_RE.test(project)) return undefined;
    const s = await this.stateFile(project).read();
    return s.current ? s : undefined;
  }

  /**
   * Checks the archive and the project it holds, stages it, then swaps it in. Throws DeployError
   * (4xx) for what the client must fix; the serving version is untouched on every failure.
   */
  async deploy(req: DeployRequest, onPhase: (phase: string) => void = () => {}): Promise<DeployResult> {
    onPhase("checking");
    let project: string;
    let builtWith: string | undefined;
    if (!req.prepare) {
      const inspected = await inspectCar(req.bytes, this.limits).catch((e: unknown) => {
        if (e instanceof CarError) throw new DeployError(400, e.code, e.message);
        throw e;
      });
      project = inspected.project;
      builtWith = inspected.manifest?.atelier;
    } else {
      project = req.project ?? "";
    }
    if (req.project !== undefined && req.project !== project) {
      throw new DeployError(400, "wrong_project", `The archive holds the project "${project}", not "${req.project}"`);
    }
    if (!req.prepare && !req.by.projects.includes("*") && !req.by.projects.includes(project)) {
      throw new DeployError(
        403,
        "out_of_scope",
        `This credential may not deploy "${project}" (its scope: ${req.by.projects.join(", ")})`,
      );
    }
    return this.serialize(project, async () => {
      const projectRoot = path.join(this.dir, project);
      await mkdir(projectRoot, { recursive: true });
      const staging = path.join(projectRoot, `.staging-${randomBytes(6).toString("hex")}`);
      await mkdir(staging);
      try {
        onPhase("staging");
        let stagedDir = "";
        if (req.prepare) {
          const prepared = await req.prepare(req.bytes, staging);
          if (!req.by.projects.includes("*") && !req.by.projects.includes(prepared.project)) {
            throw new DeployError(403, "out_of_scope", `This credential may not deploy "${prepared.project}"`);
          }
          if (prepared.project !== project && project !== "") {
            throw new DeployError(
              400,
              "wrong_project",
              `The archive holds the project "${prepared.project}", not "${project}"`,
            );
          }
          project = prepared.project;
          stagedDir = prepared.dir;
        }
        let loaded: LoadedProject;
        let problems: string[];
        if (req.prepare) {
          onPhase("validating");
          loaded = await loadProject(stagedDir);
          problems = problemsOf(loaded);
        } else {
          // Extracting and reading the project are the heavy part: a low-priority worker does them.
          stagedDir = path.join(staging, project);
          onPhase("validating");
          ({ loaded, problems } = await stage({ bytes: req.bytes, dir: stagedDir, limits: this.limits }, (m) =>
            this.engine.log.warn(m),
          ));
        }
        if (problems.length) {
          throw new DeployError(
            422,
            "invalid_project",
            `The project ${project} cannot be deployed: ${problems.slice(0, 5).join("; ")}${problems.length > 5 ? ` (and ${problems.length - 5} more)` : ""}`,
            { problems: problems.slice(0, 100) },
          );
        }
        const stateFile = this.stateFile(project);
        const state = await stateFile.read();
        const current = state.current || undefined;
        if (req.replaces !== undefined && !req.force && (req.replaces ?? undefined) !== current) {
          const last = state.versions.find((v) => v.version === current);
          throw new DeployError(
            409,
            "conflict",
            current === undefined
              ? `${project} is not deployed yet, but this deploy says it replaces version ${req.replaces}`
              : `${project} is at version ${current}, deployed by ${last?.deployedBy ?? "?"} on ${last?.at ?? "?"}; this deploy replaces version ${req.replaces ?? "none"}. Deploy again with --force to replace it anyway.`,
            { current, deployedBy: last?.deployedBy, at: last?.at },
          );
        }
        onPhase("swapping");
        const version = Math.max(0, ...state.versions.map((v) => v.version), state.current) + 1;
        const finalDir = this.versionDir(project, version);
        await mkdir(path.dirname(finalDir), { recursive: true });
        await rename(stagedDir, finalDir);
        // The tree checked in staging is the one served: only its folder changed (file paths in it
        // are relative), so it is not read and parsed a second time.
        const placed: LoadedProject = { ...loaded, dir: finalDir };
        const info: VersionInfo = {
          version,
          digest: sha256(req.bytes),
          deployedBy: req.by.user,
          via: req.by.via,
          from: req.by.from,
          at: new Date().toISOString(),
          ...(current !== undefined ? { replaced: current } : {}),
          ...(builtWith ? { builtWith } : {}),
          ...(typeof placed.root.props.version === "string" ? { projectVersion: placed.root.props.version } : {}),
          files: placed.files.size,
          bytes: req.bytes.length,
        };
        const removed: number[] = [];
        await stateFile.update((s) => {
          s.project = project;
          s.current = version;
          s.versions.push(info);
          while (s.versions.length > KEEP_VERSIONS) removed.push(s.versions.shift()!.version);
          delete s.rolledBack;
        });
        this.engine.workspace.add(placed);
        this.engine.workspace.failures.delete(project);
        for (const v of removed) await rm(path.join(this.dir, project, `v${v}`), { recursive: true, force: true });
        onPhase("done");
        return {
          project,
          version,
          ...(current !== undefined ? { replaced: current } : {}),
          digest: info.digest,
          warnings: loaded.invalidCount ? [`${loaded.invalidCount} object(s) have warnings`] : [],
        };
      } finally {
        await rm(staging, { recursive: true, force: true });
      }
    });
  }

  /** Serves an earlier version again (the one before the current by default). */
  async rollback(
    project: string,
    to: number | undefined,
    by: { user: string; projects: string[] },
  ): Promise<DeployResult> {
    if (!NAME_RE.test(project))
      throw new DeployError(404, "unknown_project", `There is no deployed project "${project}"`);
    if (!by.projects.includes("*") && !by.projects.includes(project)) {
      throw new DeployError(403, "out_of_scope", `This credential may not roll back "${project}"`);
    }
    return this.serialize(project, async () => {
      const stateFile = this.stateFile(project);
      const state = await stateFile.read();
      if (!state.current) throw new DeployError(404, "unknown_project", `There is no deployed project "${project}"`);
      const older = state.versions.filter((v) => v.version < state.current);
      const target = to ?? older[older.length - 1]?.version;
      if (target === undefined)
        throw new DeployError(409, "no_earlier_version", `${project} has no earlier version to roll back to`);
      const info = state.versions.find((v) => v.version === target);
      if (!info) {
        throw new DeployError(
          404,
          "unknown_version",
          `${project} has no version ${target} on this server (kept: ${state.versions.map((v) => v.version).join(", ")})`,
        );
      }
      if (target === state.current)
        throw new DeployError(409, "already_serving", `${project} already serves version ${target}`);
      const loaded = await loadProject(this.versionDir(project, target));
      const replaced = state.current;
      await stateFile.update((s) => {
        s.current = target;
        s.rolledBack = { to: target, by: by.user, at: new Date().toISOString() };
      });
      this.engine.workspace.add(loaded);
      return { project, version: target, replaced, digest: info.digest, warnings: [] };
    });
  }
}

function sha256(bytes: Buffer): string {
  return createHash("sha256").update(bytes).digest("hex");
}
