import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

// The Studio's page preview (renderer/preview.html): a build of its own, served by the engine at
// /studio-preview/ without the Studio's cookie (it runs in a sandboxed iframe of an opaque origin,
// which no cookie reaches). Built after the Studio, into renderer/dist/preview/.
const here = decodeURIComponent(new URL(".", import.meta.url).pathname).replace(/^\/([A-Za-z]:)/, "$1");

export default defineConfig({
  root: here,
  base: "/studio-preview/",
  plugins: [react()],
  logLevel: "warn",
  build: {
    outDir: here + "dist/preview",
    emptyOutDir: true,
    chunkSizeWarningLimit: 8000,
    reportCompressedSize: false,
    rollupOptions: { input: here + "preview.html" },
  },
});
