#!/usr/bin/env node
// The `atelier` command: the compiled engine (dist/atelier.mjs, `npm run build:engine`) when it is
// built from the current sources, else the TypeScript sources through tsx (a checkout being edited).
// Timing marks (performance.mark, nothing printed): bench/startup reads them to split a cold start.
performance.mark("atelier:bin");
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { freshDistEntry } from "./dist-state.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const entry = freshDistEntry(root, "atelier");
if (entry) {
  await import(pathToFileURL(entry).href);
} else {
  const { register } = await import("tsx/esm/api");
  register();
  await import("../build/entries/atelier.ts");
}
