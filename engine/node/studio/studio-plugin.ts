import type { FastifyInstance } from "fastify";
import type { ServerResponse } from "node:http";
import path from "node:path";
import { STUDIO_PATH } from "../../common/studio/api.ts";
import type { Engine } from "../engine.ts";
import type { Scheduler } from "../scheduler/scheduler.ts";
import type { StudioContext } from "./routes/context.ts";
import { TargetStore, userConfigDir } from "../deploy/targets.ts";
import { deployRoutes } from "./routes/deploys.ts";
import { editRoutes } from "./routes/edit.ts";
import { eventRoutes } from "./routes/events.ts";
import { findRoutes } from "./routes/find.ts";
import { jobRoutes } from "./routes/jobs.ts";
import { studioPreview } from "./routes/preview.ts";
import { studioPage } from "./routes/page.ts";
import { projectRoutes } from "./routes/projects.ts";
import { registerStudioRoutes, type StudioHandlers } from "./routes/register.ts";
import { requestRoutes } from "./routes/requests.ts";
import { refactorRoutes } from "./routes/refactor.ts";
import { runRoutes } from "./routes/runs.ts";
import { statusRoutes } from "./routes/status.ts";
import { uiRoutes } from "./routes/ui.ts";
import { workspaceRoutes } from "./routes/workspace.ts";
import { StudioRuns } from "./runs.ts";
import { StudioAuth } from "./studio-auth.ts";
import { StudioService } from "./studio-service.ts";
import { WorkspaceWatcher } from "./workspace-watcher.ts";

export interface StudioOptions {
  /** The built renderer (renderer/dist of the installation, given by the entry point). */
  distDir?: string;
  /**
   * Deployment targets (the user's imported PSCs) and where deploy state is kept: the user's
   * configuration folder by default; the desktop app passes a store whose secrets the OS protects.
   */
  targets?: TargetStore;
  /** The Atelier version written into built archives. */
  atelierVersion?: string;
  /** A fixed token (the desktop shell may choose it); random by default. */
  token?: string;
  /** Watch the workspace for changes made outside the Studio (on by default). */
  watch?: boolean;
  /** Keep the undo history in <workspace>/.atelier/studio-history.jsonl (on by default). */
  persistHistory?: boolean;
  /** The example workspace offered as a one-click copy (none when absent). */
  examplesDir?: string;
  /**
   * Moves a folder to the system's trash (the desktop passes Electron's shell.trashItem): deleted
   * projects no undo reaches any more go there rather than being erased.
   */
  systemTrash?: (dir: string) => Promise<void>;
  /** The host the server binds (loopback hosts make the Host header checked). */
  host?: string;
  /**
   * Opens another workspace folder (created when `create`): the host checks it and answers the
   * Studio URL it will serve; `afterReply` then restarts the engine there. Absent: the Studio
   * cannot switch workspaces (the desktop shell switches through its own menu).
   */
  openWorkspace?: (dir: string, create: boolean) => Promise<{ url: string; dir: string; afterReply: () => void }>;
  /**
   * The scheduler running the workspace's jobs (`startAtelier` passes its own); the Studio lists,
   * creates, pauses and runs them through it. Absent: the jobs routes answer 503.
   */
  scheduler?: Scheduler;
}

export interface Studio {
  plugin: (app: FastifyInstance) => Promise<void>;
  service: StudioService;
  auth: StudioAuth;
  /** The Studio's URL on a server's base URL, with the token that signs a browser in. */
  urlOn(baseUrl: string): string;
  close(): Promise<void>;
}

/** Makes the Studio: its API over the engine, the built renderer, the workspace watcher. */
export async function createStudio(engine: Engine, opts: StudioOptions = {}): Promise<Studio> {
  const service = new StudioService(engine, {
    historyFile:
      opts.persistHistory === false ? undefined : path.join(engine.workspace.dir, ".atelier", "studio-history.jsonl"),
    ...(opts.examplesDir ? { examplesDir: opts.examplesDir } : {}),
    ...(opts.systemTrash ? { systemTrash: opts.systemTrash } : {}),
  });
  await service.init();
  const auth = new StudioAuth(opts.token, opts.host);
  const runs = new StudioRuns(engine);
  const watcher =
    opts.watch === false
      ? undefined
      : new WorkspaceWatcher(
          engine,
          (p, reason) => service.reloadFromDisk(p, reason),
          (task) => service.serialize(task),
        );
  await watcher?.start();
  // No built Studio given (a test, an engine started without one): the page says so.
  const distDir = opts.distDir;
  const streams = new Set<ServerResponse>();

  const ctx: StudioContext = { engine, service, runs, opts, streams };
  const handlers: StudioHandlers = {
    ...workspaceRoutes(ctx),
    ...editRoutes(ctx),
    ...refactorRoutes(ctx),
    ...projectRoutes(ctx),
    ...findRoutes(ctx),
    ...runRoutes(ctx),
    ...eventRoutes(ctx),
    ...statusRoutes(ctx),
    ...uiRoutes(ctx),
    ...requestRoutes(ctx),
    ...jobRoutes(ctx),
    ...deployRoutes(ctx, {
      targets: opts.targets ?? new TargetStore(),
      stateDir: opts.targets?.dir ?? userConfigDir(),
      atelierVersion: opts.atelierVersion ?? "dev",
    }),
  };

  const plugin = async (app: FastifyInstance) => {
    app.addHook("preClose", async () => {
      for (const s of streams) s.end();
      streams.clear();
    });
    // The API: every route from the table, each with its guard (an encapsulated scope, so
    // nothing here is reachable except through a guarded route, whatever the URL's spelling).
    await app.register(async (scope) => registerStudioRoutes(scope, auth, handlers));
    // The page: its own scope, whose guard trades the printed link's token for the cookie.
    await app.register(async (scope) => studioPage(scope, auth, distDir));
    // The page preview of the UI builder: code only, reachable by the sandboxed iframe without the cookie.
    await app.register(async (scope) => studioPreview(scope, distDir));
  };

  return {
    plugin,
    service,
    auth,
    urlOn: (baseUrl) => new URL(`${STUDIO_PATH}?token=${auth.token}`, baseUrl).toString(),
    close: async () => {
      await watcher?.close();
      await runs.stopAll();
      await service.serialize(async () => undefined);
      await service.history.flush();
    },
  };
}
