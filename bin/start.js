#!/usr/bin/env node
// `npm start`: the desktop Studio when an Electron binary is present, otherwise the engine serving
// the Studio to a browser (build/entries/start.ts). The compiled dist/start.mjs when it is built
// from the current sources, else the sources through tsx.
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { freshDistEntry } from "./dist-state.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const entry = freshDistEntry(root, "start");
if (entry) {
  await import(pathToFileURL(entry).href);
} else {
  const { register } = await import("tsx/esm/api");
  register();
  await import("../build/entries/start.ts");
}
