import type { FastifyInstance } from "fastify";
import path from "node:path";
import { STUDIO_PATH } from "../common/studio/api.ts";
import { Engine, type EngineOptions } from "./engine.ts";
import {
  fullSyncNotStarted,
  startEngineFullSync,
  type EngineFullSync,
  type FullSyncPartOptions,
} from "./fullsync/engine-fullsync.ts";
import { checkTimezone, engineJobHooks, jobFiles, Scheduler } from "./scheduler/scheduler.ts";
import { startServer, type RawMount, type RunningServer } from "./server/server.ts";
import { createStudio, type Studio, type StudioOptions } from "./studio/studio-plugin.ts";

export interface AtelierOptions extends EngineOptions {
  host?: string;
  port?: number;
  /** A certificate and its key (PEM text): the server answers HTTPS only (`atelier serve --tls-cert/--tls-key`). */
  tls?: { cert: string; key: string };
  /** The Studio (its API and the built renderer); `false` leaves it out (a deployed server). */
  studio?: StudioOptions | false;
  /**
   * FullSync (served at /fullsync): embedded databases in <workspace>/.atelier/fullsync unless
   * atelier.config.yaml says otherwise; `{inMemory: true}` for tests; `false` leaves it out.
   */
  fullsync?: FullSyncPartOptions | false;
  /**
   * The workspace's scheduled jobs (`<workspace>/.atelier/jobs.json`, as `atelier jobs` edits
   * them), run on their schedule while the engine runs, the file watched; `false` leaves them out
   * (tests that do not want them).
   */
  scheduler?: LocalSchedulerOptions | false;
}

export interface LocalSchedulerOptions {
  /** The time zone of jobs created without one (default: this machine's). */
  timezone?: string;
  /** A run's time limit (default 10 min). */
  timeLimitMs?: number;
  /** How long closing waits for runs under way before aborting them (default 2 s: quitting stays quick). */
  stopTimeoutMs?: number;
}

export interface RunningAtelier {
  engine: Engine;
  server: RunningServer;
  /** The engine's base URL (http://127.0.0.1:<port>/). */
  url: string;
  /** The URL a user opens to reach the Studio (it carries the per-start token); undefined without a Studio. */
  studioUrl?: string;
  studio?: Studio;
  /** FullSync, when it runs: its server, databases and listeners' status. */
  fullsync?: EngineFullSync;
  /** The scheduler running the workspace's jobs (absent with `scheduler: false`); stopped by `close()`. */
  scheduler?: Scheduler;
  close(): Promise<void>;
}

/** This machine's time zone, or UTC when the platform does not name a valid one. */
export function machineTimezone(): string {
  try {
    return checkTimezone(Intl.DateTimeFormat().resolvedOptions().timeZone);
  } catch {
    return "UTC";
  }
}

/** The scheduler of a workspace's jobs (started by the caller). */
function localScheduler(engine: Engine, opts: LocalSchedulerOptions): Scheduler {
  return new Scheduler({
    ...jobFiles(path.join(engine.workspace.dir, ".atelier")),
    ...engineJobHooks(engine),
    log: engine.log,
    timezone: opts.timezone ?? machineTimezone(),
    ...(opts.timeLimitMs !== undefined ? { timeLimitMs: opts.timeLimitMs } : {}),
    stopTimeoutMs: opts.stopTimeoutMs ?? 2000,
    abortGraceMs: 2000,
    // `atelier jobs add` from another terminal is picked up at once.
    watch: true,
  });
}

/**
 * Starts a whole Atelier: the engine on a workspace and its HTTP server with every part mounted.
 * `atelier serve`, `npm start`, the desktop shell and integration tests all start it this way.
 */
export async function startAtelier(opts: AtelierOptions): Promise<RunningAtelier> {
  const engine = await Engine.open(opts);
  const plugins: ((app: FastifyInstance) => Promise<void>)[] = [];
  const mounts: RawMount[] = [];
  const closers: (() => Promise<void>)[] = [];
  let server: RunningServer;
  let studio: Studio | undefined;
  let fullsync: EngineFullSync | undefined;
  let scheduler: Scheduler | undefined;
  try {
    // Scheduled jobs: made now (the Studio manages them), started before the server.
    if (opts.scheduler !== false) {
      const s = (scheduler = localScheduler(engine, opts.scheduler ?? {}));
      closers.push(() => s.close());
    }
    // FullSync: databases of the projects' FullSync connectors, served at /fullsync. When it
    // cannot start (its data folder is held by another engine...) the rest still serves.
    if (opts.fullsync !== false) {
      try {
        fullsync = await startEngineFullSync(engine, opts.fullsync ?? {}, opts.env ?? process.env);
      } catch (e) {
        mounts.push(fullSyncNotStarted(engine, e));
      }
      if (fullsync) {
        mounts.push(fullsync.mount);
        closers.push(fullsync.close);
      }
    }
    if (opts.studio !== false) {
      const studioOpts = opts.studio ?? {};
      studio = await createStudio(engine, {
        host: opts.host,
        ...studioOpts,
        ...(scheduler && !studioOpts.scheduler ? { scheduler } : {}),
      });
      plugins.push(studio.plugin);
      closers.push(studio.close);
      // Design documents and FullSync connectors edited in the Studio are declared at once.
      if (fullsync) {
        const fs = fullsync;
        const stop = studio.service.subscribe((ev) => {
          if (ev.kind === "delta" || ev.kind === "workspace") void fs.redeclare();
        });
        closers.push(async () => void stop());
      }
    }
    // The jobs start once the engine and FullSync are ready (they do not need the HTTP server);
    // a damaged jobs file is reported and the engine serves without running them (the Studio's
    // Jobs tab says why). Starting the server comes last: once it answers, the Atelier is up.
    await scheduler?.start().catch((e: unknown) => {
      engine.log.error(`Scheduled jobs do not run: ${(e as Error).message}`);
    });
    server = await startServer(engine, {
      host: opts.host,
      port: opts.port,
      ...(opts.tls ? { tls: opts.tls } : {}),
      ...(engine.config.cors ? { cors: engine.config.cors } : {}),
      plugins,
      mounts,
      // The root page of a local engine lists every sequence and links the Studio (without its token).
      ...(studio ? { rootPage: { local: true, studioPath: STUDIO_PATH } } : {}),
      onClose: async () => {
        for (const c of closers.reverse()) await c();
      },
    });
  } catch (e) {
    await scheduler?.close();
    await studio?.close();
    await fullsync?.close();
    await engine.close();
    throw e;
  }
  return {
    engine,
    server,
    url: server.url,
    ...(studio ? { studio, studioUrl: studio.urlOn(server.url) } : {}),
    ...(fullsync ? { fullsync } : {}),
    ...(scheduler ? { scheduler } : {}),
    close: async () => {
      // The jobs first: no tick during the close, and a run under way (maybe a Studio's "Run
      // now" holding a request open) ends or is aborted before the server waits for requests.
      await scheduler?.close();
      await server.close();
      await engine.close();
    },
  };
}
