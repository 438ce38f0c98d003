// The benchmark's own tools, installed at bench time into an ignored folder (never project
// dependencies): Node-RED 5 and the Node 22 binary it needs, the load generator, and the Express
// of the floor baseline.
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

/** What bench/.work/engine-throughput/tools/package.json asks for. */
export const TOOL_VERSIONS = {
  "node-red": "^5.0.0",
  node: "^22.9.0",
  autocannon: "^8.0.0",
  express: "^5.1.0",
} as const;

export interface Tools {
  dir: string;
  /** The Node 22 binary that runs Node-RED. */
  node22: string;
  node22Version: string;
  /** Node-RED's launcher script (red.js). */
  nodeRedMain: string;
  nodeRedVersion: string;
  autocannonVersion: string;
  expressVersion: string;
  /** `require` rooted in the tools folder. */
  require: NodeJS.Require;
}

async function versionOf(dir: string, pkg: string): Promise<string | undefined> {
  try {
    const text = await readFile(path.join(dir, "node_modules", pkg, "package.json"), "utf8");
    return (JSON.parse(text) as { version?: string }).version;
  } catch {
    return undefined;
  }
}

async function nodeVersion(binary: string): Promise<string | undefined> {
  if (!existsSync(binary)) return undefined;
  try {
    const { stdout } = await run(binary, ["--version"], { timeout: 20_000 });
    return stdout.trim();
  } catch {
    return undefined;
  }
}

function atLeast22_9(version: string | undefined): boolean {
  const m = /^v(\d+)\.(\d+)/.exec(version ?? "");
  if (!m) return false;
  const major = Number(m[1]);
  const minor = Number(m[2]);
  return major > 22 || (major === 22 && minor >= 9);
}

async function npmInstall(dir: string, args: string[], log: (s: string) => void): Promise<void> {
  log(`npm install ${args.join(" ")} (in ${path.relative(process.cwd(), dir) || "."})`);
  try {
    await run("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error", ...args], {
      cwd: dir,
      timeout: 15 * 60_000,
      maxBuffer: 16 * 1024 * 1024,
    });
  } catch (e) {
    const err = e as Error & { stderr?: string };
    throw new Error(`npm install in ${dir} failed: ${err.stderr?.trim() || err.message}`);
  }
}

/**
 * Installs (once) and locates the tools. The `node` npm package fetches its platform binary in a
 * preinstall script; when scripts are not run, the platform package (node-<os>-<arch>) that script
 * would have installed is installed directly.
 */
export async function ensureTools(dir: string, log: (s: string) => void): Promise<Tools> {
  await mkdir(dir, { recursive: true });
  const manifest = { private: true, description: "Tools of bench/engine-throughput", dependencies: TOOL_VERSIONS };
  const manifestPath = path.join(dir, "package.json");
  const wanted = JSON.stringify(manifest, null, 2) + "\n";
  const current = existsSync(manifestPath) ? await readFile(manifestPath, "utf8") : "";
  const missing = await Promise.all(Object.keys(TOOL_VERSIONS).map(async (p) => !(await versionOf(dir, p))));
  if (current !== wanted || missing.some(Boolean)) {
    await writeFile(manifestPath, wanted);
    await npmInstall(dir, [], log);
  }

  let node22 = path.join(dir, "node_modules", "node", "bin", "node");
  let node22Version = await nodeVersion(node22);
  if (!atLeast22_9(node22Version)) {
    const platformPkg = `node-${process.platform}-${process.arch}`;
    node22 = path.join(dir, "node_modules", platformPkg, "bin", "node");
    node22Version = await nodeVersion(node22);
    if (!atLeast22_9(node22Version)) {
      await npmInstall(dir, ["--no-save", `${platformPkg}@^22.9.0`], log);
      node22Version = await nodeVersion(node22);
    }
  }
  if (!atLeast22_9(node22Version)) {
    throw new Error(`No Node >= 22.9 binary could be installed in ${dir} (Node-RED 5 needs one)`);
  }

  const nodeRedMain = path.join(dir, "node_modules", "node-red", "red.js");
  if (!existsSync(nodeRedMain)) throw new Error(`Node-RED is not installed in ${dir} (no ${nodeRedMain})`);
  const versions = await Promise.all(["node-red", "autocannon", "express"].map((p) => versionOf(dir, p)));
  const [nodeRedVersion, autocannonVersion, expressVersion] = versions.map((v) => v ?? "?") as [string, string, string];
  return {
    dir,
    node22,
    node22Version: node22Version as string,
    nodeRedMain,
    nodeRedVersion,
    autocannonVersion,
    expressVersion,
    require: createRequire(manifestPath),
  };
}
