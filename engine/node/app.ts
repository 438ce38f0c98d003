import type { FastifyInstance } from "fastify";
import { Engine, type EngineOptions } from "./engine.ts";
import { startServer, type RawMount, type RunningServer } from "./server/server.ts";
import { ensureStudioBuilt } from "./studio/renderer-build.ts";
import { createStudio, type Studio, type StudioOptions } from "./studio/studio-plugin.ts";

export interface AtelierOptions extends EngineOptions {
  host?: string;
  port?: number;
  /** The Studio (its API and the built renderer); `false` leaves it out (a deployed server). */
  studio?: (StudioOptions & { buildIfMissing?: boolean }) | false;
}

export interface RunningAtelier {
  engine: Engine;
  server: RunningServer;
  /** The engine's base URL (http://127.0.0.1:<port>/). */
  url: string;
  /** The URL a user opens to reach the Studio (it carries the per-start token); undefined without a Studio. */
  studioUrl?: string;
  studio?: Studio;
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
  try {
    if (opts.studio !== false) {
      const { buildIfMissing, ...studioOpts } = opts.studio ?? {};
      if (buildIfMissing) await ensureStudioBuilt();
      studio = await createStudio(engine, { host: opts.host, ...studioOpts });
      plugins.push(studio.plugin);
      closers.push(studio.close);
    }
    server = await startServer(engine, {
      host: opts.host,
      port: opts.port,
      plugins,
      mounts,
      onClose: async () => {
        for (const c of closers.reverse()) await c();
      },
    });
  } catch (e) {
    await studio?.close();
    await engine.close();
    throw e;
  }
  return {
    engine,
    server,
    url: server.url,
    ...(studio ? { studio, studioUrl: studio.urlOn(server.url) } : {}),
    close: async () => {
      await server.close();
      await engine.close();
    },
  };
}
