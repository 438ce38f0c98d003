// Lint: code quality plus the layering rule of ARCHITECTURE.md. A broken layer fails `npm test`
// with a message that names the layer.
import js from "@eslint/js";
import importX from "eslint-plugin-import-x";
import globals from "globals";
import { builtinModules } from "node:module";
import tseslint from "typescript-eslint";

const nodeModules = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)];
const serverOnly = [
  "express",
  "express-pouchdb",
  "pouchdb",
  "pouchdb-adapter-leveldb",
  "fastify",
  "undici",
  "chokidar",
  "pino",
];

/** A zone: files under `target` may not import files under `from`. */
const zone = (target, from, message, except) => ({ target, from, message, ...(except ? { except } : {}) });

/** The layer zones; tests of engine/common may use the engine's test harness (engine/node/testing). */
const layerZones = (forTests) => [
  zone(
    "./engine/common",
    "./engine/node",
    "Layer rule: engine/common is shared with the renderer; it may not import engine/node.",
    forTests ? ["./testing"] : undefined,
  ),
  zone("./engine/common", "./embedded-db", "Layer rule: engine/common may not import embedded-db."),
  zone(
    "./engine",
    "./embedded-db",
    "Layer rule: the engine reaches embedded-db through its public entry only (embedded-db/index.ts, api.ts).",
    ["./index.ts", "./api.ts", ...(forTests ? ["./test"] : [])],
  ),
  zone("./engine", "./renderer", "Layer rule: the engine knows no screen; it may not import renderer/."),
  zone("./engine", "./electron", "Layer rule: the engine knows no screen; it may not import electron/."),
  zone(
    "./embedded-db",
    "./engine/node",
    "Layer rule: embedded-db may import engine/common (types) only, not engine/node.",
    forTests ? ["./testing"] : undefined,
  ),
  zone("./embedded-db", "./renderer", "Layer rule: embedded-db knows no screen."),
  zone("./embedded-db", "./electron", "Layer rule: embedded-db knows no screen."),
  zone("./renderer", "./engine/node", "Layer rule: the renderer reaches the engine over HTTP only, never engine/node."),
  zone("./renderer", "./embedded-db", "Layer rule: the renderer reaches FullSync over HTTP only."),
  zone("./renderer", "./electron", "Layer rule: the renderer never imports the Electron shell."),
  zone(
    "./electron",
    "./renderer/src",
    "Layer rule: the shell loads the Studio from the engine's URL; it may not import the renderer's source.",
  ),
  zone("./e2e", "./engine", "Layer rule: e2e drives the running app; it may not import the engine's source.", [
    "./common/test-ids.ts",
  ]),
  zone(
    "./app-runtime",
    "./engine/node",
    "Layer rule: the app runtime runs in the app's browser; it may import engine/common only, not engine/node.",
  ),
  zone("./app-runtime", "./embedded-db", "Layer rule: the app runtime reaches FullSync over HTTP only."),
  zone("./app-runtime", "./renderer", "Layer rule: the app runtime is shipped in apps; it may not import the Studio."),
  zone("./app-runtime", "./electron", "Layer rule: the app runtime never imports the Electron shell."),
  zone(
    "./engine",
    "./app-runtime",
    "Layer rule: the engine knows no screen; it may not import app-runtime/ (codegen copies its files).",
  ),
  zone("./embedded-db", "./app-runtime", "Layer rule: embedded-db knows no screen."),
  zone("./e2e", "./app-runtime", "Layer rule: e2e drives the running app; it may not import app-runtime/."),
  zone("./e2e", "./renderer", "Layer rule: e2e drives the running app; it may not import the renderer's source."),
  zone("./e2e", "./embedded-db", "Layer rule: e2e drives the running app; it may not import embedded-db."),
];

/** Options of no-restricted-imports for a folder: electron, screens (renderer/electron source), Node modules. */
function restrictedImports({ electron, screens, nodeModules: nodeMessage }) {
  const paths = [];
  if (electron) paths.push({ name: "electron", message: "Layer rule: only electron/ may import 'electron'." });
  if (nodeMessage) for (const name of [...nodeModules, ...serverOnly]) paths.push({ name, message: nodeMessage });
  const patterns = screens
    ? [
        {
          group: ["**/renderer/**", "**/electron/**"],
          message: "Layer rule: the engine knows no screen; it may not import renderer/ or electron/.",
        },
      ]
    : [];
  return { paths, patterns };
}

export default tseslint.config(
  {
    ignores: [
      "node_modules/**",
      "**/dist/**",
      "bench/.baselines/**",
      "bench/.work/**",
      "e2e/.results/**",
      "playwright-report/**",
      "test-results/**",
      "**/*.d.ts",
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node }, ecmaVersion: 2023, sourceType: "module" },
    plugins: { "import-x": importX },
    settings: { "import-x/resolver": { node: { extensions: [".ts", ".tsx", ".js", ".mjs"] } } },
    rules: {
      "@typescript-eslint/no-unused-vars": [
        "error",
        { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrors: "none" },
      ],
      "@typescript-eslint/no-explicit-any": "error",
      "no-constant-condition": ["error", { checkLoops: false }],
      "import-x/no-restricted-paths": ["error", { zones: layerZones(false) }],
    },
  },
  {
    files: ["engine/**/*.test.ts", "embedded-db/**/*.test.ts"],
    rules: { "import-x/no-restricted-paths": ["error", { zones: layerZones(true) }] },
  },
  {
    files: ["engine/**", "embedded-db/**", "renderer/**", "app-runtime/**", "e2e/**", "build/**", "bench/**", "bin/**"],
    rules: { "no-restricted-imports": ["error", restrictedImports({ electron: true })] },
  },
  {
    files: ["engine/**", "embedded-db/**"],
    rules: { "no-restricted-imports": ["error", restrictedImports({ electron: true, screens: true })] },
  },
  {
    files: ["engine/common/**"],
    rules: {
      "no-restricted-imports": [
        "error",
        restrictedImports({
          electron: true,
          screens: true,
          nodeModules: "Layer rule: engine/common runs in the browser too; no Node or server modules here.",
        }),
      ],
    },
  },
  {
    // Tests of engine/common run in Node and may use it (and the engine's test harness).
    files: ["engine/common/**/*.test.ts"],
    rules: { "no-restricted-imports": ["error", restrictedImports({ electron: true, screens: true })] },
  },
  {
    files: ["renderer/**"],
    languageOptions: { globals: { ...globals.browser } },
    rules: {
      "no-restricted-imports": [
        "error",
        restrictedImports({
          electron: true,
          nodeModules:
            "Layer rule: the renderer runs in a browser and talks to the engine over HTTP; no Node or server modules.",
        }),
      ],
    },
  },
  {
    files: ["app-runtime/**"],
    languageOptions: { globals: { ...globals.browser } },
    rules: {
      "no-restricted-imports": [
        "error",
        restrictedImports({
          electron: true,
          nodeModules:
            "Layer rule: the app runtime runs in the app's browser; no Node or server modules (PouchDB is passed in).",
        }),
      ],
    },
  },
  {
    // Tests of the app runtime run in Node (happy-dom) and may use a real PouchDB and the engine's harness.
    files: ["app-runtime/**/*.test.ts", "app-runtime/**/*.test.tsx"],
    rules: { "no-restricted-imports": ["error", restrictedImports({ electron: true })] },
  },
);
