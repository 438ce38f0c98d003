import { fileURLToPath } from "node:url";
import path from "node:path";
import { startAtelier } from "../app.ts";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");

/** `npm start`: serves the workspace (ATELIER_WORKSPACE or the examples) and prints where. */
export async function start(_args: string[]): Promise<number> {
  const workspaceDir = path.resolve(process.env.ATELIER_WORKSPACE ?? path.join(repoRoot, "examples/workspace"));
  const port = Number(process.env.ATELIER_PORT ?? 0);
  const app = await startAtelier({ workspaceDir, port, host: process.env.ATELIER_HOST ?? "127.0.0.1" });
  process.stdout.write(`Atelier engine: ${app.url}\n`);
  await new Promise<void>((resolve) => {
    process.once("SIGINT", resolve);
    process.once("SIGTERM", resolve);
  });
  await app.close();
  return 0;
}
