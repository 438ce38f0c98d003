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
 *
 * In a cluster (`shared`), the versions and their archives live in a CouchDB database every server
 * reads (cluster/couch-deployments.ts): the server that takes a deploy checks and stages it as
 * above, writes the new state and archive there against the revision it read (a concurrent deploy
 * through another server is a conflict, not a lost update), then swaps; the others hear of it on
 * the database's change feed, fetch the archive, check it the same way and swap too. The data
 * folder is then only each server's local copy of what the database says.
 */
import { createHash, randomBytes } from "node:crypto";
import { mkdir, readdir, rename, rm, stat } from "node:fs/promises";
import path from "node:path";
import type { DeployedProject, DeployedVersion } from "../../common/admin/routes.ts";
import { isPlainObject } from "../../common/model/props.ts";
import { NAME_PATTERN } from "../../common/types/shared-props.ts";
import type { Engine } from "../engine.ts";
import { loadProject, type LoadedProject } from "../project/project-files.ts";
import { buildCar, CarError, DEFAULT_CAR_LIMITS, inspectCar, type CarLimits } from "../deploy/car.ts";
import { DeployStateConflict, type CouchDeployments, type SharedDeployState } from "../cluster/couch-deployments.ts";
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
  private follower: { stop(): Promise<void> } | undefined;
  /** The last problem of the shared database (undefined: none), for /health/ready. */
  sharedProblem: string | undefined;

  constructor(
    dataDir: string,
    private readonly engine: Engine,
    private readonly limits: CarLimits = DEFAULT_CAR_LIMITS,
    private readonly shared?: { registry: CouchDeployments; atelierVersion: string },
  ) {
    this.dir = path.join(dataDir, "projects");
  }

  /** Where deployments are kept, safe to print. */
  describe(): string {
    return this.shared ? `CouchDB ${this.shared.registry.describe()}` : this.dir;
  }

  /** The version each project serves on this server. */
  serving(): Record<string, number> {
    return Object.fromEntries(this.servingNow);
  }
  private readonly servingNow = new Map<string, number>();

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
    if (this.shared) return this.followShared(this.shared.registry);
    for (const name of (await readdir(this.dir)).sort()) {
      if (!NAME_RE.test(name)) continue;
      const state = await this.stateFile(name)
        .read()
        .catch(() => undefined);
      if (!state || !state.current) continue;
      try {
        const loaded = await loadProject(this.versionDir(name, state.current));
        this.engine.workspace.add(loaded);
        this.servingNow.set(name, state.current);
      } catch (e) {
        this.engine.workspace.failures.set(name, (e as Error).message);
        this.engine.log.error(`Deployed project ${name} v${state.current} did not load: ${(e as Error).message}`, name);
      }
    }
  }

  async list(): Promise<ProjectDeployState[]> {
    if (this.shared) return (await this.shared.registry.all()).filter((s) => s.current).sort(byProject);
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
    if (this.shared) {
      const got = await this.shared.registry.get(project);
      return got?.state.current ? got.state : undefined;
    }
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
        // In a cluster, the archive every other server fetches: the one sent, or (a Convertigo
        // project, imported here) the Atelier archive of what was imported.
        const stored = this.shared
          ? req.prepare
            ? (await buildCar(stagedDir, this.shared.atelierVersion)).bytes
            : req.bytes
          : undefined;
        const digest = sha256(stored ?? req.bytes);
        let version = 0;
        let current: number | undefined;
        let finalDir = "";
        let removed: number[] = [];
        for (let attempt = 0; ; attempt++) {
          const read = this.shared ? await this.shared.registry.get(project) : undefined;
          const state: ProjectDeployState = this.shared
            ? (read?.state ?? { project, current: 0, versions: [] })
            : await stateFile.read();
          current = state.current || undefined;
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
          version = Math.max(0, ...state.versions.map((v) => v.version), state.current) + 1;
          finalDir = this.versionDir(project, version);
          await mkdir(path.dirname(finalDir), { recursive: true });
          // A folder left by a version this server never served (a deploy that lost a race).
          if (this.shared) await rm(finalDir, { recursive: true, force: true });
          await rename(stagedDir, finalDir);
          const info: VersionInfo = {
            version,
            digest,
            deployedBy: req.by.user,
            via: req.by.via,
            from: req.by.from,
            at: new Date().toISOString(),
            ...(current !== undefined ? { replaced: current } : {}),
            ...(builtWith ? { builtWith } : {}),
            ...(typeof loaded.root.props.version === "string" ? { projectVersion: loaded.root.props.version } : {}),
            files: loaded.files.size,
            bytes: (stored ?? req.bytes).length,
          };
          const versions = [...state.versions, info];
          removed = versions.splice(0, Math.max(0, versions.length - KEEP_VERSIONS)).map((v) => v.version);
          const next: ProjectDeployState = { project, current: version, versions };
          if (this.shared) {
            try {
              await this.shared.registry.put(next, read, { digest, bytes: stored! });
            } catch (e) {
              // Put back for another try (or the cleanup of the staging folder).
              await rename(finalDir, stagedDir);
              if (e instanceof DeployStateConflict && attempt < 5) continue;
              if (e instanceof DeployStateConflict) {
                throw new DeployError(409, "conflict", `${project} keeps being deployed by other servers: try again`);
              }
              throw e;
            }
          }
          await stateFile.update((s) => {
            s.project = project;
            s.current = version;
            s.versions = versions;
            delete s.rolledBack;
          });
          break;
        }
        // The tree checked in staging is the one served: only its folder changed (file paths in it
        // are relative), so it is not read and parsed a second time.
        const placed: LoadedProject = { ...loaded, dir: finalDir };
        this.engine.workspace.add(placed);
        this.engine.workspace.failures.delete(project);
        this.servingNow.set(project, version);
        for (const v of removed) await rm(path.join(this.dir, project, `v${v}`), { recursive: true, force: true });
        onPhase("done");
        return {
          project,
          version,
          ...(current !== undefined ? { replaced: current } : {}),
          digest,
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
      const read = this.shared ? await this.shared.registry.get(project) : undefined;
      const state = this.shared ? read?.state : await stateFile.read();
      if (!state?.current) throw new DeployError(404, "unknown_project", `There is no deployed project "${project}"`);
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
      const replaced = state.current;
      const next: ProjectDeployState = {
        ...state,
        current: target,
        rolledBack: { to: target, by: by.user, at: new Date().toISOString() },
      };
      if (this.shared) {
        // This server may not have that version's folder (it joined later): the archive is fetched.
        const loaded = await this.ensureVersion(this.shared.registry, project, info);
        try {
          await this.shared.registry.put(next, read);
        } catch (e) {
          if (e instanceof DeployStateConflict) {
            throw new DeployError(409, "conflict", `${project} was changed by another server meanwhile: try again`);
          }
          throw e;
        }
        await stateFile.update((s) => Object.assign(s, next));
        this.engine.workspace.add(loaded);
        this.servingNow.set(project, target);
        return { project, version: target, replaced, digest: info.digest, warnings: [] };
      }
      const loaded = await loadProject(this.versionDir(project, target));
      await stateFile.update((s) => {
        s.current = target;
        s.rolledBack = next.rolledBack;
      });
      this.engine.workspace.add(loaded);
      this.servingNow.set(project, target);
      return { project, version: target, replaced, digest: info.digest, warnings: [] };
    });
  }

  /**
   * A cluster's server: serves what the deployments database says, then follows its change feed
   * (each project's changes applied one at a time, in order, as deploys are).
   */
  private async followShared(registry: CouchDeployments): Promise<void> {
    const since = await registry.open();
    for (const state of await registry.all()) {
      if (!state.current || !NAME_RE.test(state.project)) continue;
      await this.serialize(state.project, () => this.applyShared(registry, state)).catch((e: Error) => {
        this.engine.workspace.failures.set(state.project, e.message);
        this.engine.log.error(
          `Deployed project ${state.project} v${state.current} did not load: ${e.message}`,
          state.project,
        );
      });
    }
    this.follower = registry.follow(
      since,
      (state) =>
        NAME_RE.test(state.project) && state.current
          ? this.serialize(state.project, async () => {
              // The document as it is now: a change heard while this server was deploying the
              // project itself may already be older than what it wrote.
              const latest = (await registry.get(state.project))?.state;
              if (latest?.current) await this.applyShared(registry, latest);
            }).catch((e: Error) => {
              // The version serving stays; the next change of the project tries again.
              this.engine.log.error(
                `${state.project} v${state.current}, deployed on another server, cannot be served here: ${e.message}`,
                state.project,
              );
            })
          : Promise.resolve(),
      (problem) => {
        if (problem && !this.sharedProblem) this.engine.log.warn(`Deployments: ${problem}`);
        else if (!problem && this.sharedProblem) this.engine.log.info("Deployments: the database is reachable again");
        this.sharedProblem = problem;
      },
    );
  }

  /** Serves the version a cluster's database names, when it is not the one this server serves. */
  private async applyShared(registry: CouchDeployments, state: SharedDeployState): Promise<void> {
    const project = state.project;
    const info = state.versions.find((v) => v.version === state.current);
    if (!info) throw new Error(`its history has no version ${state.current}`);
    if (this.servingNow.get(project) === state.current && this.engine.workspace.projects.has(project)) {
      const local = await this.stateFile(project)
        .read()
        .catch(() => undefined);
      if (local?.versions.find((v) => v.version === state.current)?.digest === info.digest) {
        await this.stateFile(project).update((s) => Object.assign(s, state));
        return;
      }
    }
    const loaded = await this.ensureVersion(registry, project, info);
    await this.stateFile(project).update((s) => {
      Object.assign(s, state);
      if (!state.rolledBack) delete s.rolledBack;
    });
    this.engine.workspace.add(loaded);
    this.engine.workspace.failures.delete(project);
    this.servingNow.set(project, state.current);
    this.engine.log.info(`${project} v${state.current} serves (deployed by ${info.deployedBy})`, project);
    // Folders of versions no longer in the history.
    const kept = new Set(state.versions.map((v) => `v${v.version}`));
    for (const name of await readdir(path.join(this.dir, project)).catch(() => [] as string[])) {
      if (/^v\d+$/.test(name) && !kept.has(name)) {
        await rm(path.join(this.dir, project, name), { recursive: true, force: true });
      }
    }
  }

  /**
   * The loaded tree of a version: its local folder when it holds that archive, else the archive
   * fetched from the database, checked (digest, limits, loadable, valid) and extracted as a deploy.
   */
  private async ensureVersion(registry: CouchDeployments, project: string, info: VersionInfo): Promise<LoadedProject> {
    const dir = this.versionDir(project, info.version);
    const local = await this.stateFile(project)
      .read()
      .catch(() => undefined);
    const have = local?.versions.find((v) => v.version === info.version)?.digest === info.digest;
    if (have && (await stat(dir).catch(() => undefined))?.isDirectory()) return loadProject(dir);
    const bytes = await registry.car(project, info.digest, this.limits.maxArchiveBytes);
    if (sha256(bytes) !== info.digest) throw new Error(`the archive of v${info.version} does not match its digest`);
    const staging = path.join(this.dir, project, `.staging-${randomBytes(6).toString("hex")}`);
    await mkdir(staging, { recursive: true });
    try {
      const stagedDir = path.join(staging, project);
      const { loaded, problems } = await stage({ bytes, dir: stagedDir, limits: this.limits }, (m) =>
        this.engine.log.warn(m),
      );
      if (problems.length) throw new Error(problems.slice(0, 3).join("; "));
      await rm(dir, { recursive: true, force: true });
      await mkdir(path.dirname(dir), { recursive: true });
      await rename(stagedDir, dir);
      return { ...loaded, dir };
    } finally {
      await rm(staging, { recursive: true, force: true });
    }
  }

  /** Stops following the cluster's database. */
  async close(): Promise<void> {
    await this.follower?.stop();
    this.follower = undefined;
  }
}

function byProject(a: { project: string }, b: { project: string }): number {
  return a.project < b.project ? -1 : a.project > b.project ? 1 : 0;
}

function sha256(bytes: Buffer): string {
  return createHash("sha256").update(bytes).digest("hex");
}
