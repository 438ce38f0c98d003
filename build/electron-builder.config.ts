// electron-builder configuration of the desktop app (`npm run package`, see build/README.md).
// The app runs the compiled engine (dist/, `npm run build:engine`): the package holds dist/, the
// preload bundle, the built Studio, the example workspace, and the production dependencies
// (electron-builder adds those itself). No TypeScript source and no compiler ship.
import type { Configuration } from "electron-builder";

const tests = ["!**/*.test.ts", "!**/*.test.tsx", "!**/test{,/**}", "!**/__tests__{,/**}", "!**/*.bench.ts"];

const config: Configuration = {
  appId: "dev.atelier.studio",
  productName: "Atelier",
  executableName: "atelier",
  copyright: "Copyright © Atelier contributors",
  directories: { output: "build/out", buildResources: "build/resources" },
  files: [
    "package.json",
    "electron/entry.js",
    "electron/dist/preload.cjs",
    "dist/**/*",
    "renderer/dist/**/*",
    "examples/workspace/**/*",
    // What the engine writes into a workspace (.atelier/: secret key, Studio history, data) and
    // any other hidden file never ship: the example is copied to the user's documents on first run.
    "!examples/**/.*{,/**}",
    "!**/*.log",
    ...tests,
  ],
  // Plain folders, not an asar archive: the JavaScript sandbox's worker (dist/sandbox-worker.mjs)
  // is loaded by worker_threads, which read real files.
  asar: false,
  // No native module needs rebuilding for Electron: leveldown loads an N-API prebuilt binary.
  npmRebuild: false,
  electronFuses: {
    runAsNode: false,
    enableCookieEncryption: true,
    enableNodeOptionsEnvironmentVariable: false,
    enableNodeCliInspectArguments: false,
    enableEmbeddedAsarIntegrityValidation: false,
    onlyLoadAppFromAsar: false,
    grantFileProtocolExtraPrivileges: false,
  },
  linux: { target: ["AppImage", "tar.gz"], category: "Development", executableName: "atelier" },
  mac: { target: ["dmg", "zip"], category: "public.app-category.developer-tools", hardenedRuntime: true },
  win: { target: ["nsis"] },
  nsis: { oneClick: false, perMachine: false, allowToChangeInstallationDirectory: true },
  publish: null,
};

export default config;
