// electron-builder configuration of the desktop app (`npm run package`, see build/README.md).
// The app runs its TypeScript sources through tsx as a checkout does, so the package holds the
// sources the main process imports (tests and test helpers left out), the built Studio, the
// example workspace, and the production dependencies (electron-builder adds those itself).
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
    "tsconfig.json",
    "electron/entry.js",
    "electron/*.ts",
    // Used from a checkout only: the launcher and the preload's source (the bundle ships).
    "!electron/{launch,preload-bundle,preload}.ts",
    "electron/dist/preload.cjs",
    "engine/**/*.ts",
    // The JavaScript sandbox's worker (plain ES module: worker threads load it as is).
    "engine/**/*.mjs",
    "!engine/node/testing/{harness,upstream}.ts",
    "embedded-db/**/*.ts",
    "renderer/dist/**/*",
    "examples/workspace/**/*",
    // What the engine writes into a workspace (.atelier/: secret key, Studio history, data) and
    // any other hidden file never ship: the example is copied to the user's documents on first run.
    "!examples/**/.*{,/**}",
    "!**/*.log",
    ...tests,
  ],
  // Plain folders, not an asar archive: tsx compiles the sources at run time and esbuild's
  // native binary must be executable, which it cannot be from inside an archive.
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
