// `npm run package:check`: packs the desktop app for real (electron-builder `--dir`, Linux) with a
// stand-in for the Electron binary, which cannot be downloaded here, then checks the result:
// the files shipped (the compiled engine, no sources, no compiler), the fuses flipped in the
// binary, and that the packaged engine runs on the packaged dependencies alone.
import { spawn } from "node:child_process";
import fs from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { bundlePreload } from "../electron/preload-bundle.ts";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const require = createRequire(import.meta.url);
const sentinel = "dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX"; // @electron/fuses looks for it in the binary
const fuseNames = [
  "runAsNode",
  "enableCookieEncryption",
  "enableNodeOptionsEnvironmentVariable",
  "enableNodeCliInspectArguments",
];

/** An Electron distribution folder whose binary is a script carrying a fuse wire (v1, 8 fuses). */
function standInElectron(dir: string, version: string): void {
  fs.mkdirSync(path.join(dir, "resources"), { recursive: true });
  const wire = Buffer.concat([Buffer.from(sentinel), Buffer.from([1, 8]), Buffer.from("10101001")]);
  fs.writeFileSync(
    path.join(dir, "electron"),
    Buffer.concat([Buffer.from('#!/bin/sh\necho "stand-in Electron"\n# '), wire, Buffer.from("\n")]),
    {
      mode: 0o755,
    },
  );
  fs.writeFileSync(path.join(dir, "version"), `v${version}`);
  fs.writeFileSync(path.join(dir, "LICENSE"), "");
  fs.writeFileSync(path.join(dir, "LICENSES.chromium.html"), "");
  fs.writeFileSync(path.join(dir, "resources", "default_app.asar"), "");
}

function run(
  cmd: string,
  args: string[],
  opts: { cwd: string; quiet?: boolean; env?: NodeJS.ProcessEnv },
): Promise<{ code: number; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d));
    child.stderr.on("data", (d: Buffer) => (out += d));
    child.once("error", reject);
    child.once("exit", (code) => resolve({ code: code ?? 1, out }));
  });
}

/** Packs into a temp folder and checks it; throws on the first problem. Answers what it measured. */
export async function packCheck(): Promise<{ seconds: number; appMegabytes: number; modules: number }> {
  const started = Date.now();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "atelier-pack-"));
  try {
    // The version is read from the package's manifest file: nothing of Electron is loaded here.
    const manifest = require.resolve("electron/package.json");
    const electronVersion = (JSON.parse(fs.readFileSync(manifest, "utf8")) as { version: string }).version;
    const dist = path.join(tmp, "electron-dist");
    standInElectron(dist, electronVersion);
    await bundlePreload();
    // What the app runs: the compiled engine and the Studio, built from this checkout.
    const built = await run(process.execPath, ["--import", "tsx", "build/build-engine.ts"], { cwd: root });
    if (built.code !== 0) throw new Error(`build:engine failed:\n${built.out}`);
    if (!fs.existsSync(path.join(root, "renderer", "dist", "index.html"))) {
      const studio = await run("npm", ["run", "build:renderer"], { cwd: root, quiet: true });
      if (studio.code !== 0) throw new Error(`build:renderer failed:\n${studio.out}`);
    }
    const out = path.join(tmp, "out");
    const cli = require.resolve("electron-builder/cli.js");
    const packed = await run(
      process.execPath,
      [
        cli,
        "--dir",
        "--linux",
        "--x64",
        "--config",
        "build/electron-builder.config.ts",
        `-c.electronDist=${dist}`,
        `-c.electronVersion=${electronVersion}`,
        `-c.directories.output=${out}`,
      ],
      { cwd: root },
    );
    if (packed.code !== 0) throw new Error(`electron-builder failed (exit ${packed.code}):\n${packed.out}`);

    const unpacked = path.join(out, "linux-unpacked");
    const app = path.join(unpacked, "resources", "app");
    for (const f of [
      "package.json",
      "electron/entry.js",
      "electron/dist/preload.cjs",
      "dist/electron-main.mjs",
      "dist/atelier.mjs",
      "dist/sandbox-worker.mjs",
      "renderer/dist/index.html",
      "examples/workspace/Demo/project.yaml",
    ]) {
      if (!fs.existsSync(path.join(app, f))) throw new Error(`the package lacks ${f}`);
    }
    for (const f of [
      "node_modules/vitest",
      "node_modules/electron",
      "node_modules/electron-builder",
      "node_modules/tsx",
      "node_modules/esbuild",
      "engine",
      "embedded-db",
      "e2e",
      "bench",
      "build",
    ]) {
      if (fs.existsSync(path.join(app, f))) throw new Error(`the package holds ${f}, which must not ship`);
    }
    const tests: string[] = [];
    const walk = (d: string) => {
      for (const e of fs.readdirSync(d, { withFileTypes: true })) {
        if (e.name === "node_modules") continue;
        const p = path.join(d, e.name);
        if (e.isDirectory()) walk(p);
        else if (/\.test\.tsx?$/.test(e.name)) tests.push(path.relative(app, p));
      }
    };
    walk(app);
    if (tests.length) throw new Error(`tests were packaged: ${tests.join(", ")}`);

    const binary = fs.readFileSync(path.join(unpacked, "atelier"));
    const at = binary.indexOf(sentinel) + sentinel.length + 2;
    const fuses = Object.fromEntries(fuseNames.map((n, i) => [n, binary[at + i] === 49]));
    const expected = {
      runAsNode: false,
      enableCookieEncryption: true,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
    };
    if (JSON.stringify(fuses) !== JSON.stringify(expected))
      throw new Error(`fuses not flipped as configured: ${JSON.stringify(fuses)}`);

    // The packaged engine on the packaged dependencies, in a fresh Node: the CLI runs a sequence
    // (JavaScript in the sandbox's worker included) and serves the example workspace.
    const ws = path.join(tmp, "workspace");
    fs.cpSync(path.join(app, "examples", "workspace"), ws, { recursive: true });
    const env = { ...process.env, ATELIER_LOG_LEVEL: "warn", NODE_PATH: "" };
    const ran = await run(
      process.execPath,
      [
        path.join(app, "dist", "atelier.mjs"),
        "run",
        "--project",
        path.join(ws, "Demo"),
        "--sequence",
        "Greet",
        "--var",
        "name=Packaged",
      ],
      { cwd: tmp, env },
    );
    if (ran.code !== 0 || !ran.out.includes('"greeting": "Hello, Packaged!"')) {
      throw new Error(`the packaged engine did not run (exit ${ran.code}):\n${ran.out}`);
    }
    const du = await run("du", ["-sm", app], { cwd: tmp });
    return {
      seconds: Math.round((Date.now() - started) / 100) / 10,
      appMegabytes: Number(du.out.split(/\s/)[0]),
      modules: fs.readdirSync(path.join(app, "node_modules")).length,
    };
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  try {
    const r = await packCheck();
    process.stdout.write(
      `package:check passed: packed and ran in ${r.seconds} s; app folder ${r.appMegabytes} MB, ${r.modules} top-level modules\n`,
    );
  } catch (e) {
    process.stderr.write(`package:check failed: ${(e as Error).message}\n`);
    process.exitCode = 1;
  }
}
