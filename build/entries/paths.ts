// Where an installation keeps what the engine serves: the built Studio and the example workspace.
// Computed by entry points only (the engine itself assumes no layout). Compiled entries live in
// <root>/dist/, source entries in <root>/bin/ or <root>/build/entries/: the root is found by its
// package.json.
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

export interface InstallPaths {
  /** The built Studio (renderer/dist). */
  studioDist: string;
  /** The example workspace the Studio offers to copy from. */
  examplesDir: string;
  root: string;
}

export function installPaths(from: string = import.meta.url): InstallPaths {
  let dir = path.dirname(fileURLToPath(from));
  while (!existsSync(path.join(dir, "package.json")) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  return {
    root: dir,
    studioDist: path.join(dir, "renderer", "dist"),
    examplesDir: path.join(dir, "examples", "workspace"),
  };
}
