#!/usr/bin/env node
// The `atelier` command. The engine is TypeScript run through tsx (no build step to forget).
import { register } from "tsx/esm/api";

register();
const { main } = await import("../engine/node/cli/main.ts");
process.exitCode = await main(process.argv);
