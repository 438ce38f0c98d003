import type { FastifyInstance } from "fastify";
import { Engine, type EngineOptions } from "./engine.ts";
import { startEngineFullSync, type EngineFullSync, type FullSyncPartOptions } from "./fullsync/engine-fullsync.ts";
import { startServer, type RawMount, type RunningServer } from "./server/server.ts";
import { ensureStudioBuilt } from "./studio/renderer-build.ts";
import { createStudio, type Studio, type StudioOptions } from "./studio/studio-plugin.ts";

export interface AtelierOptions extends EngineOptions {
  host?: string;
  port?: number;
  /** The Studio (its API and the built renderer); `false` leaves it out (a deployed server). */
  studio?: (StudioOptions & { buildIfMissing?: boolean }) | false;
  /**
   * FullSync (served at /fullsync): embedded databases in <workspace>/.atelier/fullsync unless
   * atelier.config.yaml says otherwise; `{inMemory: true}` for tests; `false` leaves it out.
   */
  fullsync?: FullSyncPartOptions | false;
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
  close(): Promise<void>;
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
  try {
    // FullSync: databases of the projects' FullSync connectors, served at /fullsync. When it
    // cannot start (its data folder is held by another engine...) the rest still serves.
    if (opts.fullsync !== false) {
      try {
        fullsync = await startEngineFullSync(engine, opts.fullsync ?? {}, opts.env ?? process.env);
      } catch (e) {
        engine.log.error(
          `FullSync did not start: ${(e as Error).message}. /fullsync and FullSync transactions are unavailable.`,
        );
      }
      if (fullsync) {
        mounts.push(fullsync.mount);
        closers.push(fullsync.close);
      }
    }
    if (opts.studio !== false) {
      const { buildIfMissing, ...studioOpts } = opts.studio ?? {};
      if (buildIfMissing) await ensureStudioBuilt();
      studio = await createStudio(engine, { host: opts.host, ...studioOpts });
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
    server = await startServer(engine, {
      host: opts.host,
      port: opts.port,
      ...(engine.config.cors ? { cors: engine.config.cors } : {}),
      plugins,
      mounts,
      onClose: async () => {
        for (const c of closers.reverse()) await c();
      },
    });
  } catch (e) {
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
    close: async () => {
      await server.close();
      await engine.close();
    },
  };
}
