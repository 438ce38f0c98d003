import { spawn } from "node:child_process";
import { cp, mkdtemp, readdir, rename, rm } from "node:fs/promises";
import path from "node:path";
import { walk } from "../../common/model/node.ts";
import { isFileName } from "../../common/model/naming.ts";
import { exists, isProjectDir, loadProject } from "../project/project-files.ts";
import { importConvertigo, type ImportSummary } from "./import.ts";
import { parseProjectLocation } from "./map/references.ts";

/**
 * `atelier deps fetch`: gets the projects a workspace's projects reference (ProjectReference
 * objects) and the workspace lacks, from the git repository their location names
 * (`NAME=https://host/repo.git:branch=B:path=P`, Convertigo's form). A repository holding a
 * Convertigo project is imported (as `atelier import-convertigo` does); one holding an Atelier
 * project is copied. Then the fetched projects' own references, breadth first: each name once,
 * at most `max` fetches. Nothing already in the workspace is touched; a failed fetch leaves nothing.
 */

export interface FetchOptions {
  /** Only the references of these projects (default: every project of the workspace). */
  projects?: readonly string[];
  /** Fetches at most (default 50). */
  max?: number;
  /** Milliseconds one clone may take (default 120 s). */
  timeoutMs?: number;
  /** The git program (default "git"). */
  git?: string;
  /** Passphrase for Convertigo secrets of imported projects. */
  passphrase?: string;
}

export interface FetchSummary {
  fetched: {
    project: string;
    referencedBy: string;
    url: string;
    kind: "convertigo" | "atelier";
    import?: ImportSummary;
  }[];
  present: string[];
  failed: { project: string; referencedBy: string; location?: string; reason: string }[];
}

const DEFAULT_MAX = 50;
const DEFAULT_TIMEOUT_MS = 120_000;
/** Bytes of git's error output kept for a message. */
const MAX_GIT_STDERR = 8 * 1024;

/** Transports a location may use: remote (https, ssh, git) and local (a path or file://, for mirrors). */
const REMOTE = /^(?:https?|ssh|git):\/\/[^\s]+$/i;
const SCP_LIKE = /^[A-Za-z0-9._-]+@[A-Za-z0-9.-]+:[^\s]+$/;
const FILE_URL = /^file:\/\/\/[^\s]+$/i;

/** A URL for messages: credentials in it (https://user:token@host) are never printed. */
export function redactUrl(text: string): string {
  return text.replace(/(\b[a-z][a-z0-9+.-]*:\/\/)[^/@\s]*@/gi, "$1***@");
}

/** Why a git URL is refused, or undefined when git may clone it. */
export function gitUrlProblem(url: string): string | undefined {
  if (url.startsWith("-")) return "it starts with '-'";
  if (/[\0\r\n]/.test(url)) return "it holds control characters";
  if (REMOTE.test(url) || SCP_LIKE.test(url) || FILE_URL.test(url) || path.isAbsolute(url)) {
    if (/^[a-z][a-z0-9+.-]*::/i.test(url)) return "transport helpers (ext::, fd::) are not allowed";
    return undefined;
  }
  return "it is not an https, ssh, git or file URL, nor an absolute path";
}

/** Runs git with a time limit; resolves with its exit code and the start of its error output. */
function runGit(git: string, args: string[], timeoutMs: number): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(git, args, {
      stdio: ["ignore", "ignore", "pipe"],
      env: {
        ...process.env,
        // Never ask for credentials on a terminal: a private repository fails with git's message.
        GIT_TERMINAL_PROMPT: "0",
        GIT_ASKPASS: "",
        SSH_ASKPASS: "",
        GIT_SSH_COMMAND: process.env.GIT_SSH_COMMAND ?? "ssh -o BatchMode=yes",
      },
    });
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => {
      if (stderr.length < MAX_GIT_STDERR) stderr += d.toString("utf8");
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code: signal === "SIGKILL" ? null : code, stderr: stderr.slice(0, MAX_GIT_STDERR) });
    });
  });
}

/** The references of some projects that name a project the workspace lacks. */
async function missingReferences(
  workspaceDir: string,
  names: readonly string[],
): Promise<{ project: string; referencedBy: string; location?: string }[]> {
  const out: { project: string; referencedBy: string; location?: string }[] = [];
  for (const name of names) {
    const dir = path.join(workspaceDir, name);
    if (!(await isProjectDir(dir))) continue;
    const loaded = await loadProject(dir).catch(() => undefined);
    if (!loaded) continue;
    walk(loaded.root, (n) => {
      if (n.type !== "ProjectReference") return;
      const project = typeof n.props.project === "string" ? n.props.project : "";
      const location = typeof n.props.location === "string" && n.props.location ? n.props.location : undefined;
      if (project) out.push({ project, referencedBy: loaded.name, ...(location ? { location } : {}) });
    });
  }
  return out;
}

/** Fetches the referenced projects a workspace lacks (see the module's comment). */
export async function fetchDependencies(workspaceDir: string, opts: FetchOptions = {}): Promise<FetchSummary> {
  const ws = path.resolve(workspaceDir);
  const out: FetchSummary = { fetched: [], present: [], failed: [] };
  const max = opts.max ?? DEFAULT_MAX;
  const git = opts.git ?? "git";
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  if (!(await exists(ws))) throw new Error(`the workspace ${ws} does not exist`);
  const roots =
    opts.projects ??
    (await readdir(ws, { withFileTypes: true }))
      .filter((e) => e.isDirectory() && !e.name.startsWith("."))
      .map((e) => e.name)
      .sort();
  for (const p of opts.projects ?? []) {
    if (!isFileName(p) || !(await isProjectDir(path.join(ws, p))))
      throw new Error(`the workspace has no project "${p}"`);
  }
  const seen = new Set<string>();
  const queue = await missingReferences(ws, roots);
  while (queue.length) {
    const next = queue.shift()!;
    if (seen.has(next.project)) continue;
    seen.add(next.project);
    const fail = (reason: string) =>
      out.failed.push({
        ...next,
        ...(next.location ? { location: redactUrl(next.location) } : {}),
        reason: redactUrl(reason),
      });
    if (!isFileName(next.project)) {
      fail(`"${next.project}" is not a valid project name`);
      continue;
    }
    if (await exists(path.join(ws, next.project))) {
      if (!out.present.includes(next.project)) out.present.push(next.project);
      continue;
    }
    if (!next.location) {
      fail("its reference gives no location: import or copy it into the workspace");
      continue;
    }
    const loc = parseProjectLocation(next.location);
    if (!loc.url || !/\.git$|\/\.git$/i.test(loc.url.replace(/\/$/, ""))) {
      fail(`its location is not a git repository (${next.location}): download it and import it`);
      continue;
    }
    const problem = gitUrlProblem(loc.url);
    if (problem) {
      fail(`its git URL ${loc.url} is refused: ${problem}`);
      continue;
    }
    const sub = loc.options.path ?? "";
    if (sub && (path.isAbsolute(sub) || sub.split(/[\\/]/).includes(".."))) {
      fail(`its path option "${sub}" leaves the repository`);
      continue;
    }
    if (out.fetched.length >= max) {
      fail(`not fetched: more than ${max} referenced projects`);
      continue;
    }
    const tmp = await mkdtemp(path.join(ws, `.deps-${next.project}-`));
    try {
      const branch = loc.options.branch;
      const args = [
        "-c",
        "core.symlinks=false", // a link in the repository is a plain file here: nothing outside is read
        "-c",
        "protocol.ext.allow=never",
        "clone",
        "--quiet",
        "--depth=1",
        "--single-branch",
        "--no-recurse-submodules",
        ...(branch ? ["--branch", branch] : []),
        "--",
        loc.url,
        path.join(tmp, "repo"),
      ];
      const r = await runGit(git, args, timeoutMs).catch((e: NodeJS.ErrnoException) => {
        throw new Error(e.code === "ENOENT" ? `git is not installed (${git})` : e.message);
      });
      if (r.code === null) throw new Error(`git clone of ${loc.url} took more than ${timeoutMs / 1000} s`);
      if (r.code !== 0) {
        const why = r.stderr.trim().split("\n").slice(-2).join(" ") || `exit code ${r.code}`;
        throw new Error(`git clone of ${loc.url}${branch ? ` (branch ${branch})` : ""} failed: ${why}`);
      }
      const src = path.join(tmp, "repo", sub);
      if (await exists(path.join(src, "c8oProject.yaml"))) {
        const summary = await importConvertigo(src, ws, {
          name: next.project,
          ...(opts.passphrase ? { passphrase: opts.passphrase } : {}),
        });
        out.fetched.push({
          project: next.project,
          referencedBy: next.referencedBy,
          url: loc.url,
          kind: "convertigo",
          import: summary,
        });
      } else if (await isProjectDir(src)) {
        const loaded = await loadProject(src);
        if (loaded.root.name !== next.project) {
          throw new Error(`the repository holds the project "${loaded.root.name}", not "${next.project}"`);
        }
        // Copied without git's data, then renamed into place in one step.
        const staged = path.join(tmp, "staged");
        await cp(src, staged, { recursive: true, filter: (f) => path.basename(f) !== ".git" });
        await rename(staged, path.join(ws, next.project));
        out.fetched.push({
          project: next.project,
          referencedBy: next.referencedBy,
          url: redactUrl(loc.url),
          kind: "atelier",
        });
      } else {
        throw new Error(
          `${loc.url}${sub ? ` (path ${sub})` : ""} holds neither a Convertigo project (c8oProject.yaml) nor an Atelier project (project.yaml)`,
        );
      }
      for (const r2 of await missingReferences(ws, [next.project])) queue.push(r2);
    } catch (e) {
      fail((e as Error).message);
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
  }
  return out;
}
