// `npm run package [-- electron-builder options]`: builds what the desktop app loads (the compiled
// engine, the Studio, the preload bundle), then runs electron-builder with build/electron-builder.config.ts.
// Packaging downloads the Electron build of each target, so it needs network access.
import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { ensureRendererBuilt, runNpmScript } from "../engine/node/cli/start.ts";
import { bundlePreload } from "../electron/preload-bundle.ts";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const say = (line: string) => void process.stderr.write(line + "\n");

if ((await runNpmScript(root, "build:engine")) !== 0) {
  say("package: the engine could not be compiled (npm run build:engine); stopping.");
  process.exit(1);
}
const studio = await ensureRendererBuilt({ root, env: {}, say, runScript: (s) => runNpmScript(root, s) });
if (studio === "skipped") {
  say("package: the Studio (renderer/dist) cannot be built here, and the app would have no Studio; stopping.");
  process.exit(1);
}
say(`package: preload bundled into ${path.relative(root, await bundlePreload())}`);

const cli = createRequire(import.meta.url).resolve("electron-builder/cli.js");
const args = [cli, "--config", path.join("build", "electron-builder.config.ts"), ...process.argv.slice(2)];
const child = spawn(process.execPath, args, { cwd: root, stdio: "inherit" });
child.on("exit", (code) => process.exit(code ?? 1));
