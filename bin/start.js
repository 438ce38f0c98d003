#!/usr/bin/env node
// `npm start`: the desktop Studio when an Electron binary is present, otherwise the engine serving
// the Studio to a browser. The workspace is ATELIER_WORKSPACE, or the example workspace.
import { register } from "tsx/esm/api";

register();
const { start } = await import("../engine/node/cli/start.ts");
process.exitCode = await start(process.argv.slice(2));
