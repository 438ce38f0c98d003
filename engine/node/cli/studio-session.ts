import { randomBytes } from "node:crypto";
import { mkdir, open, readFile, rename, rm, stat } from "node:fs/promises";
import { createServer } from "node:net";
import path from "node:path";

/**
 * What `npm start` remembers of its last Studio, in the workspace's `.atelier/studio-session.json`
 * (owner-only, like `.atelier/secret.key` beside it): the port, so the next start serves the same
 * URL when the port is free, and the token, so a Studio window left open is still signed in once
 * it reconnects (the cookie is named after the port and holds the token).
 */
export interface StudioSession {
  port: number;
  token: string;
  /** When the token was made (epoch ms): an older one than `MAX_TOKEN_AGE_MS` is not reused. */
  createdAt: number;
}

export const STUDIO_SESSION_FILE = "studio-session.json";

/** A token is reused for 30 days, then a restart makes a new one. */
export const MAX_TOKEN_AGE_MS = 30 * 24 * 3600 * 1000;

const fileOf = (workspaceDir: string) => path.join(workspaceDir, ".atelier", STUDIO_SESSION_FILE);

/**
 * The last session of this workspace, or undefined when there is none, it is damaged or too old,
 * or the file could be read by other users (then its token is not trusted).
 */
export async function readStudioSession(workspaceDir: string, now = Date.now()): Promise<StudioSession | undefined> {
  const file = fileOf(workspaceDir);
  try {
    const info = await stat(file);
    if (process.platform !== "win32") {
      if ((info.mode & 0o077) !== 0) return undefined;
      if (process.getuid && info.uid !== process.getuid()) return undefined;
    }
    const v = JSON.parse(await readFile(file, "utf8")) as Partial<StudioSession>;
    if (
      typeof v.port !== "number" ||
      !Number.isInteger(v.port) ||
      v.port < 1 ||
      v.port > 65535 ||
      typeof v.token !== "string" ||
      !/^[A-Za-z0-9_-]{32,128}$/.test(v.token) ||
      typeof v.createdAt !== "number" ||
      now - v.createdAt > MAX_TOKEN_AGE_MS ||
      v.createdAt > now + 60_000
    ) {
      return undefined;
    }
    return { port: v.port, token: v.token, createdAt: v.createdAt };
  } catch {
    return undefined;
  }
}

/** Writes the session (owner-only, atomically). */
export async function saveStudioSession(workspaceDir: string, session: StudioSession): Promise<void> {
  const file = fileOf(workspaceDir);
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.${randomBytes(4).toString("hex")}.tmp`;
  const handle = await open(tmp, "wx", 0o600);
  try {
    await handle.writeFile(JSON.stringify(session) + "\n");
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await rename(tmp, file);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}

/** Whether `port` can be listened on at `host` now (another process may take it afterwards). */
export function portIsFree(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once("error", () => resolve(false));
    probe.listen({ host, port, exclusive: true }, () => probe.close(() => resolve(true)));
  });
}
