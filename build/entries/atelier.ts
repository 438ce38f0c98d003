// The `atelier` command, compiled into dist/atelier.mjs by build/build-engine.ts.
import { main } from "../../engine/node/cli/main.ts";
import { installPaths } from "./paths.ts";

process.exitCode = await main(process.argv, installPaths());
