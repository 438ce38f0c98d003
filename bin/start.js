#!/usr/bin/env node
// `npm start`: the desktop Studio when an Electron binary is present, otherwise the engine serving
// the Studio to a browser. The workspace is ATELIER_WORKSPACE, or the example workspace.
// This file wires the desktop launcher (electron/) into the engine's start command, which may
// not import the shell itself (layer rule).
import path from "node:path";
import { fileURLToPath } from "node:url";
import { register } from "tsx/esm/api";

register();
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const { start } = await import("../engine/node/cli/start.ts");
const { findElectronBinary, launchDesktop } = await import("../electron/launch.ts");
process.exitCode = await start(process.argv.slice(2), {
  desktop: {
    findBinary: () => findElectronBinary(root),
    launch: (binary, args) => launchDesktop(binary, args),
  },
});
