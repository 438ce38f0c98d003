// Electron's entry point (package.json "main"). A packaged app runs the compiled main process,
// dist/electron-main.mjs (it ships no sources); a checkout runs it too once `npm run build:engine`
// built it from the current sources, and the TypeScript sources through tsx otherwise.
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const compiled = path.join(root, "dist", "electron-main.mjs");
if (!existsSync(path.join(root, "engine"))) {
  await import(pathToFileURL(compiled).href);
} else {
  const { freshDistEntry } = await import("../bin/dist-state.js");
  const entry = freshDistEntry(root, "electron-main");
  if (entry) {
    await import(pathToFileURL(entry).href);
  } else {
    const { register } = await import("tsx/esm/api");
    register();
    await import("./main.ts");
  }
}
