import { EventEmitter } from "node:events";
import { chmod, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:net";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { AtelierOptions, RunningAtelier } from "../app.ts";
import { start } from "./start.ts";
import {
  MAX_TOKEN_AGE_MS,
  portIsFree,
  readStudioSession,
  saveStudioSession,
  STUDIO_SESSION_FILE,
} from "./studio-session.ts";

let ws: string;
beforeEach(async () => {
  ws = await mkdtemp(path.join(os.tmpdir(), "atelier-studio-session-"));
});
afterEach(async () => {
  await rm(ws, { recursive: true, force: true });
});

const TOKEN = "A".repeat(32);

describe("the Studio session of a workspace", () => {
  it("is written owner-only and read back", async () => {
    await saveStudioSession(ws, { port: 4567, token: TOKEN, createdAt: Date.now() });
    const file = path.join(ws, ".atelier", STUDIO_SESSION_FILE);
    if (process.platform !== "win32") expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(await readStudioSession(ws)).toMatchObject({ port: 4567, token: TOKEN });
  });

  it("is not trusted when others may read it, when too old, or damaged", async () => {
    const file = path.join(ws, ".atelier", STUDIO_SESSION_FILE);
    await saveStudioSession(ws, { port: 4567, token: TOKEN, createdAt: Date.now() - MAX_TOKEN_AGE_MS - 1 });
    expect(await readStudioSession(ws)).toBeUndefined();
    await saveStudioSession(ws, { port: 4567, token: TOKEN, createdAt: Date.now() });
    if (process.platform !== "win32") {
      await chmod(file, 0o644);
      expect(await readStudioSession(ws)).toBeUndefined();
      await chmod(file, 0o600);
    }
    await writeFile(file, '{"port": "x"}', { mode: 0o600 });
    expect(await readStudioSession(ws)).toBeUndefined();
    await writeFile(file, "not json", { mode: 0o600 });
    expect(await readStudioSession(ws)).toBeUndefined();
  });

  it("tells a free port from a taken one", async () => {
    const taken: Server = createServer();
    await new Promise<void>((r) => taken.listen(0, "127.0.0.1", r));
    const port = (taken.address() as { port: number }).port;
    expect(await portIsFree("127.0.0.1", port)).toBe(false);
    await new Promise((r) => taken.close(r));
    expect(await portIsFree("127.0.0.1", port)).toBe(true);
  });
});

describe("npm start reuses the last port and token", () => {
  /** Runs `start` with a fake engine on `port` (0: a free one), answering the options it got. */
  async function startOnce(env: NodeJS.ProcessEnv, port: number): Promise<AtelierOptions> {
    const signals = new EventEmitter();
    let got: AtelierOptions | undefined;
    const done = start(["--browser"], {
      paths: { root: ws, studioDist: path.join(ws, "dist"), examplesDir: ws },
      env: { ATELIER_WORKSPACE: ws, ATELIER_SKIP_RENDERER_BUILD: "1", ...env },
      say: () => undefined,
      out: () => undefined,
      signals,
      start: async (o) => {
        got = o;
        const p = o.port || port;
        return {
          url: `http://127.0.0.1:${p}/`,
          studioUrl: `http://127.0.0.1:${p}/studio/?token=x`,
          server: { port: p },
          engine: { workspace: { dir: ws } },
          studio: { auth: { token: o.studio && o.studio.token ? o.studio.token : "B".repeat(32) } },
          close: async () => undefined,
        } as unknown as RunningAtelier;
      },
    });
    const deadline = Date.now() + 5000;
    while (!got && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    // The session is written after the start.
    while (Date.now() < deadline) {
      const s = await readStudioSession(ws);
      if (s && s.port === (got!.port || port)) break;
      await new Promise((r) => setTimeout(r, 5));
    }
    signals.emit("SIGTERM");
    expect(await done).toBe(0);
    return got!;
  }

  it("starts on the last port with the last token when the port is free, else on any", async () => {
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, "127.0.0.1", r));
    const last = (probe.address() as { port: number }).port;
    await new Promise((r) => probe.close(r));

    const first = await startOnce({}, last);
    expect(first.port).toBe(0);
    expect(JSON.parse(await readFile(path.join(ws, ".atelier", STUDIO_SESSION_FILE), "utf8"))).toMatchObject({
      port: last,
      token: "B".repeat(32),
    });

    const second = await startOnce({}, 1);
    expect(second.port).toBe(last);
    expect(second.studio && second.studio.token).toBe("B".repeat(32));

    // Taken by someone else: a free port and a new token.
    const holder = createServer();
    await new Promise<void>((r) => holder.listen(last, "127.0.0.1", r));
    try {
      const third = await startOnce({}, 5);
      expect(third.port).toBe(0);
      expect(third.studio && third.studio.token).toBeUndefined();
    } finally {
      await new Promise((r) => holder.close(r));
    }

    // ATELIER_PORT wins.
    const fourth = await startOnce({ ATELIER_PORT: "7" }, 7);
    expect(fourth.port).toBe(7);
    expect(fourth.studio && fourth.studio.token).toBeUndefined();
  });
});
