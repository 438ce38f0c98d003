import { randomBytes } from "node:crypto";
import { mkdir, readdir, stat } from "node:fs/promises";
import path from "node:path";
import { STUDIO_PATH } from "../../common/studio/api.ts";
import { startAtelier, type AtelierOptions, type RunningAtelier } from "../app.ts";
import { readWorkspaceConfig } from "../project/workspace.ts";
import { StudioError } from "../studio/studio-service.ts";

/**
 * An Atelier served on one port whose Studio may open another workspace: `atelier serve` and
 * `npm start` in the browser. Opening a workspace checks the folder, answers the Studio's URL,
 * then restarts the whole engine there on the same port (what the engine serves, its FullSync
 * data, its watchers, its scheduled jobs all belong to one workspace: closing the old engine stops
 * its scheduler). A workspace that fails to start puts the previous one back, so the page always
 * has an engine to come back to.
 */
export class ServedAtelier {
  /** A restart is under way: a second request waits for the page to follow the first. */
  private switching = false;

  private constructor(
    private readonly opts: AtelierOptions,
    private running: RunningAtelier,
    private readonly onRestart: (app: RunningAtelier) => void,
  ) {}

  /** Starts the first workspace; `onRestart` hears about every later start (to print its URLs). */
  static async start(
    opts: AtelierOptions,
    onRestart: (app: RunningAtelier) => void = () => {},
  ): Promise<ServedAtelier> {
    const holder: { served?: ServedAtelier } = {};
    const first = await startAtelier(ServedAtelier.withOpener(opts, opts.workspaceDir, undefined, holder));
    holder.served = new ServedAtelier(opts, first, onRestart);
    return holder.served;
  }

  /** The Atelier serving now. */
  get current(): RunningAtelier {
    return this.running;
  }

  private static withOpener(
    opts: AtelierOptions,
    workspaceDir: string,
    token: string | undefined,
    holder: { served?: ServedAtelier },
  ): AtelierOptions {
    if (opts.studio === false) return { ...opts, workspaceDir };
    return {
      ...opts,
      workspaceDir,
      studio: {
        ...(opts.studio ?? {}),
        ...(token ? { token } : {}),
        openWorkspace: (dir, create) => {
          if (!holder.served) throw new StudioError(503, "starting", "The engine is still starting");
          return holder.served.prepareOpen(dir, create);
        },
      },
    };
  }

  /** Checks the folder (creates it when asked) and answers where the Studio will be. */
  private async prepareOpen(
    dir: string,
    create: boolean,
  ): Promise<{ url: string; dir: string; afterReply: () => void }> {
    if (this.switching) throw new StudioError(409, "switching", "Another workspace is being opened");
    if (!path.isAbsolute(dir)) {
      throw new StudioError(400, "invalid_folder", `Give the workspace folder as an absolute path (not "${dir}")`);
    }
    const abs = path.resolve(dir);
    let info = await stat(abs).catch(() => undefined);
    if (!info && create) {
      await mkdir(abs, { recursive: true }).catch((e: NodeJS.ErrnoException) => {
        throw new StudioError(400, "invalid_folder", `Cannot create ${abs}: ${e.code ?? e.message}`);
      });
      info = await stat(abs);
    }
    if (!info)
      throw new StudioError(404, "no_such_folder", `There is no folder ${abs} (tick "create it" for a new workspace)`);
    if (!info.isDirectory()) throw new StudioError(400, "invalid_folder", `${abs} is a file, not a folder`);
    await readdir(abs).catch((e: NodeJS.ErrnoException) => {
      throw new StudioError(400, "invalid_folder", `Cannot read ${abs}: ${e.code ?? e.message}`);
    });
    try {
      await readWorkspaceConfig(abs);
    } catch (e) {
      throw new StudioError(400, "invalid_config", (e as Error).message);
    }
    // The Studio keeps its token across the restart (same port, so the same cookie name): the
    // window that asked stays signed in, and the answer never has to carry a token.
    const token = this.running.studio?.auth.token ?? randomBytes(24).toString("base64url");
    const url = new URL(STUDIO_PATH, this.running.url).toString();
    this.switching = true;
    return { url, dir: abs, afterReply: () => void this.restart(abs, token).finally(() => (this.switching = false)) };
  }

  private async restart(dir: string, token: string): Promise<void> {
    const previous = this.running;
    const port = previous.server.port;
    const holder = { served: this as ServedAtelier };
    await previous.close();
    try {
      this.running = await startAtelier({ ...ServedAtelier.withOpener(this.opts, dir, token, holder), port });
    } catch (e) {
      process.stderr.write(
        `atelier: the workspace ${dir} did not start (${(e as Error).message}); back to ${previous.engine.workspace.dir}\n`,
      );
      this.running = await startAtelier({
        ...ServedAtelier.withOpener(this.opts, previous.engine.workspace.dir, token, holder),
        port,
      });
    }
    this.onRestart(this.running);
  }

  async close(): Promise<void> {
    await this.running.close();
  }
}
