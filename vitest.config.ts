import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: [
      "engine/**/*.test.ts",
      "embedded-db/**/*.test.ts",
      "electron/**/*.test.ts",
      "build/**/*.test.ts",
      "bin/**/*.test.ts",
      "renderer/src/**/*.test.ts",
      "app-runtime/**/*.test.ts",
      "app-runtime/**/*.test.tsx",
    ],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: "forks",
  },
});
