import fs from "node:fs/promises";
import path from "node:path";
import type { DesktopLog } from "./log.ts";
import type { SettingsFile } from "./settings-file.ts";

/** Where the workspace to open came from. */
export type WorkspaceSource = "env" | "remembered" | "example";

export interface WorkspaceChoiceOptions {
  settings: SettingsFile;
  env: NodeJS.ProcessEnv;
  /** The example workspace shipped with the app (examples/workspace). */
  exampleDir: string;
  /**
   * Where a packaged app copies the example on first run (the shipped copy is read-only in an
   * installed app); a run from a checkout (undefined) opens the example in place.
   */
  firstRunCopyTo?: string;
  log: DesktopLog;
}

/** True if `dir` is an existing folder. */
export async function isFolder(dir: string): Promise<boolean> {
  try {
    return (await fs.stat(dir)).isDirectory();
  } catch {
    return false;
  }
}

/**
 * The workspace to open at start: ATELIER_WORKSPACE when set (not remembered: it is a one-off),
 * else the one remembered from the last run if it still exists, else the example workspace
 * (copied out of the app on a packaged first run), which is then remembered.
 */
export async function chooseStartWorkspace(
  o: WorkspaceChoiceOptions,
): Promise<{ dir: string; source: WorkspaceSource }> {
  const fromEnv = o.env.ATELIER_WORKSPACE?.trim();
  if (fromEnv) return { dir: path.resolve(fromEnv), source: "env" };

  const remembered = o.settings.read().workspace;
  if (remembered) {
    if (await isFolder(remembered)) return { dir: remembered, source: "remembered" };
    o.log.warn(`the workspace opened last (${remembered}) is gone; opening the example workspace`);
  }

  let dir = o.exampleDir;
  if (o.firstRunCopyTo) {
    dir = o.firstRunCopyTo;
    if (!(await isFolder(dir))) {
      await fs.cp(o.exampleDir, dir, { recursive: true, errorOnExist: false, force: false });
      o.log.info(`copied the example workspace to ${dir}`);
    }
  }
  o.settings.rememberWorkspace(dir);
  return { dir, source: "example" };
}
