// Electron's entry point (package.json "main"): the shell is TypeScript, run through tsx like
// the rest of Atelier, so it registers tsx and hands over to main.ts.
import { register } from "tsx/esm/api";

register();
await import("./main.ts");
