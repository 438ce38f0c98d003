// The floor of the engine throughput benchmark: a plain Express handler doing the same job as the
// FetchItems sequence (GET <baseUrl>/items, answer {"items": [...]}), written the way a developer
// naturally writes it.
//
//   --mode fetch   global fetch, no time limit (the natural handler; the floor of the a/c ratio)
//   --mode undici  an undici Agent with kept-alive pools, configured as the engine's HTTP client
//                  (extra information: what the same framework does with the engine's HTTP layer)
//
// Express comes from the benchmark's tools folder (--tools <dir>), undici from the project.
// Prints `FLOOR <url>`.
import { createRequire } from "node:module";
import type { AddressInfo } from "node:net";
import type { IncomingMessage, ServerResponse, Server } from "node:http";
import path from "node:path";
import { Agent, request } from "undici";

interface Req extends IncomingMessage {
  query: Record<string, unknown>;
}
interface Res extends ServerResponse {
  status(code: number): Res;
  json(body: unknown): void;
}
interface ExpressApp {
  disable(setting: string): void;
  get(route: string, handler: (req: Req, res: Res) => Promise<void>): void;
  listen(port: number, host: string, cb: () => void): Server;
}

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const mode = arg("--mode") ?? "fetch";
const tools = arg("--tools");
if (!tools || (mode !== "fetch" && mode !== "undici")) {
  process.stderr.write("usage: express-floor.ts --tools <dir> --mode fetch|undici\n");
  process.exit(2);
}
const express = createRequire(path.join(tools, "package.json"))("express") as () => ExpressApp;

const app = express();
app.disable("x-powered-by");

function baseUrlOf(req: Req): string | undefined {
  const v = req.query.baseUrl;
  return typeof v === "string" && /^https?:\/\//.test(v) ? v : undefined;
}

if (mode === "fetch") {
  app.get("/items", async (req, res) => {
    const baseUrl = baseUrlOf(req);
    if (!baseUrl) return res.status(400).json({ error: "baseUrl must be an http(s) URL" });
    try {
      const r = await fetch(`${baseUrl}/items`);
      if (!r.ok) return res.status(502).json({ error: `upstream answered HTTP ${r.status}` });
      res.json({ items: await r.json() });
    } catch (e) {
      res.status(502).json({ error: (e as Error).message });
    }
  });
} else {
  // The engine's HTTP client settings (engine/node/runtime/http-client.ts).
  const agent = new Agent({ connections: 64, keepAliveTimeout: 10_000, keepAliveMaxTimeout: 60_000 });
  app.get("/items", async (req, res) => {
    const baseUrl = baseUrlOf(req);
    if (!baseUrl) return res.status(400).json({ error: "baseUrl must be an http(s) URL" });
    try {
      const r = await request(`${baseUrl}/items`, {
        dispatcher: agent,
        headersTimeout: 5000,
        bodyTimeout: 5000,
      });
      if (r.statusCode < 200 || r.statusCode >= 300) {
        await r.body.dump();
        return res.status(502).json({ error: `upstream answered HTTP ${r.statusCode}` });
      }
      res.json({ items: await r.body.json() });
    } catch (e) {
      res.status(502).json({ error: (e as Error).message });
    }
  });
}

const server = app.listen(0, "127.0.0.1", () => {
  const { port } = server.address() as AddressInfo;
  process.stdout.write(`FLOOR http://127.0.0.1:${port}\n`);
});

const stop = () => process.exit(0);
process.once("SIGTERM", stop);
process.once("SIGINT", stop);
