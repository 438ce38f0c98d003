/**
 * The folder picker of the Studio's import dialog, for a browser (which cannot give a folder's
 * path): the sub-folders of a folder on the engine's machine. Bounded on purpose: only under
 * the user's home or the workspace's parent (real paths, so a link cannot lead elsewhere), only
 * folder names (no files, no hidden folders), at most MAX_FOLDERS of them, and only for an
 * engine bound to a loopback address (the Studio's user is then the machine's user).
 */
import { readdir, realpath, stat } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { ApiError } from "../../common/http/api-error.ts";
import type { FolderEntry, FolderListing } from "../../common/studio/projects.ts";

export const MAX_FOLDERS = 500;

const LOOPBACK = new Set(["127.0.0.1", "localhost", "::1", "[::1]"]);

export interface FolderOptions {
  workspaceDir: string;
  /** The host the engine binds (127.0.0.1 when absent). */
  host?: string;
  /** The user's home (os.homedir() by default; tests give another). */
  home?: string;
}

function inside(root: string, p: string): boolean {
  const rel = path.relative(root, p);
  return rel === "" || (!rel.startsWith("..") && !path.isAbsolute(rel));
}

async function real(p: string): Promise<string | undefined> {
  try {
    return await realpath(p);
  } catch {
    return undefined;
  }
}

async function isFile(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isFile();
  } catch {
    return false;
  }
}

/** The folders a listing may start from: the user's home, the workspace's parent. */
export async function folderRoots(opts: FolderOptions): Promise<string[]> {
  const candidates = [opts.home ?? os.homedir(), path.dirname(path.resolve(opts.workspaceDir))];
  const roots: string[] = [];
  for (const c of candidates) {
    const r = c ? await real(c) : undefined;
    if (r && !roots.includes(r)) roots.push(r);
  }
  return roots;
}

/** Lists the sub-folders of `requested` (the first root when absent). */
export async function listFolders(requested: string | undefined, opts: FolderOptions): Promise<FolderListing> {
  const host = (opts.host ?? "127.0.0.1").toLowerCase();
  if (!LOOPBACK.has(host)) {
    throw new ApiError(
      403,
      "not_local",
      "The folder picker is offered only by an engine bound to this machine (127.0.0.1): type the folder's path",
    );
  }
  const roots = await folderRoots(opts);
  if (roots.length === 0)
    throw new ApiError(404, "no_roots", "Neither your home folder nor the workspace's parent can be read");
  const asked = requested?.trim() ? requested.trim() : roots[0]!;
  if (!path.isAbsolute(asked)) throw new ApiError(400, "invalid_path", `"${asked}" is not an absolute path`);
  const dir = await real(asked);
  if (!dir) throw new ApiError(404, "not_found", `The folder ${asked} does not exist`);
  if (!roots.some((r) => inside(r, dir))) {
    throw new ApiError(
      403,
      "outside",
      `${asked} is outside the folders the picker shows (${roots.join(", ")}): type the folder's path instead`,
    );
  }
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOTDIR") throw new ApiError(400, "not_a_folder", `${asked} is a file, not a folder`);
    throw new ApiError(403, "unreadable", `The folder ${asked} cannot be read (${code ?? "error"})`);
  }
  const names = entries
    .filter((e) => e.isDirectory() && !e.name.startsWith("."))
    .map((e) => e.name)
    .sort((a, b) => a.localeCompare(b));
  const truncated = names.length > MAX_FOLDERS;
  const folders: FolderEntry[] = [];
  for (const name of names.slice(0, MAX_FOLDERS)) {
    const p = path.join(dir, name);
    const [convertigo, atelier] = await Promise.all([
      isFile(path.join(p, "c8oProject.yaml")),
      isFile(path.join(p, "project.yaml")),
    ]);
    folders.push({ name, ...(convertigo ? { convertigo } : {}), ...(atelier ? { atelier } : {}) });
  }
  const up = path.dirname(dir);
  return {
    path: dir,
    ...(up !== dir && roots.some((r) => inside(r, up)) ? { parent: up } : {}),
    roots,
    folders,
    truncated,
    convertigo: await isFile(path.join(dir, "c8oProject.yaml")),
  };
}
