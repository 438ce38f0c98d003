import { build } from "esbuild";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));

/** Where the bundled preload goes; main.ts loads it from there. */
export const preloadBundlePath = path.join(here, "dist", "preload.cjs");

/**
 * Bundles electron/preload.ts and what it imports into one CommonJS file: a sandboxed preload
 * cannot load ES modules nor other files, only `require("electron")` and a few built-ins.
 */
export async function bundlePreload(outFile: string = preloadBundlePath): Promise<string> {
  await build({
    entryPoints: [path.join(here, "preload.ts")],
    outfile: outFile,
    bundle: true,
    format: "cjs",
    platform: "node",
    target: "es2022",
    external: ["electron"],
    sourcemap: "inline",
    logLevel: "silent",
  });
  return outFile;
}
