// Starts the desktop app from a checkout (`npm start`). Runs in plain Node: it never imports
// `electron`, whose package would try to download the binary on `require`.
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));

/**
 * The Electron executable installed in `node_modules/electron`, or null when there is none.
 * Since Electron 45 npm no longer downloads it at install time; `npx install-electron` does.
 * It reads the package's files instead of `require("electron")`, which would start a download.
 */
export function findElectronBinary(root: string, env: NodeJS.ProcessEnv = process.env): string | null {
  const pkg = path.join(root, "node_modules", "electron");
  let relative: string;
  try {
    relative = fs.readFileSync(path.join(pkg, "path.txt"), "utf8").trim();
  } catch {
    return null;
  }
  if (!relative) return null;
  const binary = env.ELECTRON_OVERRIDE_DIST_PATH
    ? path.join(env.ELECTRON_OVERRIDE_DIST_PATH, relative)
    : path.join(pkg, "dist", relative);
  try {
    return fs.statSync(binary).isFile() ? binary : null;
  } catch {
    return null;
  }
}

/**
 * Bundles the preload, then runs Electron on electron/entry.js until it exits. Ctrl-C and
 * SIGTERM reach the app, which closes the engine before it quits. Answers Electron's exit code.
 */
export async function launchDesktop(
  binary: string,
  args: string[] = [],
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  const { bundlePreload } = await import("./preload-bundle.ts"); // esbuild, only when needed
  await bundlePreload();
  const childEnv = { ...env };
  delete childEnv.ELECTRON_RUN_AS_NODE; // would make the binary a plain Node.js
  const child = spawn(binary, [path.join(here, "entry.js"), ...args], { stdio: "inherit", env: childEnv });
  const forward = (signal: NodeJS.Signals) => () => child.kill(signal);
  const onInt = forward("SIGINT");
  const onTerm = forward("SIGTERM");
  process.on("SIGINT", onInt);
  process.on("SIGTERM", onTerm);
  try {
    return await new Promise<number>((resolve, reject) => {
      child.once("error", reject);
      child.once("exit", (code, signal) => resolve(code ?? (signal ? 1 : 0)));
    });
  } finally {
    process.off("SIGINT", onInt);
    process.off("SIGTERM", onTerm);
  }
}
