import type { FastifyInstance } from "fastify";
import { Engine, type EngineOptions } from "./engine.ts";
import { startServer, type RawMount, type RunningServer } from "./server/server.ts";

export interface AtelierOptions extends EngineOptions {
  host?: string;
  port?: number;
}

export interface RunningAtelier {
  engine: Engine;
  server: RunningServer;
  /** The engine's base URL (http://127.0.0.1:<port>/). */
  url: string;
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
  try {
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
    await engine.close();
    throw e;
  }
  return {
    engine,
    server,
    url: server.url,
    close: async () => {
      await server.close();
      await engine.close();
    },
  };
}
