import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

// This file runs in Node, but lives under renderer/ where Node imports are refused by the layer
// rule: the folder's path comes from import.meta.url instead of node:path.
const here = decodeURIComponent(new URL(".", import.meta.url).pathname).replace(/^\/([A-Za-z]:)/, "$1");

// The Studio is served by the engine under /studio/ (engine/node/studio/studio-plugin.ts).
export default defineConfig({
  root: here,
  base: "/studio/",
  plugins: [react()],
  logLevel: "warn",
  build: {
    outDir: here + "dist",
    emptyOutDir: true,
    chunkSizeWarningLimit: 8000,
    reportCompressedSize: false,
  },
  worker: { format: "es" },
});
