import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");

/** Is the Studio built (renderer/dist/index.html present)? */
export function isStudioBuilt(distDir = path.join(repoRoot, "renderer", "dist")): boolean {
  return existsSync(path.join(distDir, "index.html"));
}

/**
 * Builds the Studio (`vite build` of renderer/) when it is not built yet: a fresh clone's
 * `npm install && npm start` then serves it. Progress goes to stderr; a failed build throws.
 */
export async function ensureStudioBuilt(opts: { force?: boolean; out?: NodeJS.WritableStream } = {}): Promise<boolean> {
  if (!opts.force && isStudioBuilt()) return false;
  const vite = path.join(repoRoot, "node_modules", "vite", "bin", "vite.js");
  if (!existsSync(vite)) throw new Error("Cannot build the Studio: vite is not installed (run npm install)");
  const out = opts.out ?? process.stderr;
  out.write("Building the Studio (renderer/), once...\n");
  const code = await new Promise<number>((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [vite, "build", "--config", path.join(repoRoot, "renderer", "vite.config.ts")],
      {
        cwd: repoRoot,
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    child.stdout.on("data", (d: Buffer) => out.write(d));
    child.stderr.on("data", (d: Buffer) => out.write(d));
    child.on("error", reject);
    child.on("exit", (c) => resolve(c ?? 1));
  });
  if (code !== 0) throw new Error(`Building the Studio failed (vite exited with ${code})`);
  return true;
}
