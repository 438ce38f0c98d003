// The physical floor of the engine throughput benchmark: a bare `node:http` handler doing the
// same job as the FetchItems sequence (GET <baseUrl>/items, answer {"items": [...]}) through an
// undici `Pool` per upstream origin (32 kept-alive connections): no framework, no routing, nothing
// between the socket and the call. What the engine does per request beyond this is its own cost.
// Prints `FLOOR <url>`.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Pool } from "undici";

const pools = new Map<string, Pool>();
function poolFor(origin: string): Pool {
  let p = pools.get(origin);
  if (!p) {
    p = new Pool(origin, { connections: 32, keepAliveTimeout: 10_000 });
    pools.set(origin, p);
  }
  return p;
}

function send(res: import("node:http").ServerResponse, status: number, body: unknown): void {
  const bytes = Buffer.from(JSON.stringify(body));
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", "content-length": bytes.length });
  res.end(bytes);
}

const server = createServer({ keepAliveTimeout: 30_000 }, (req, res) => {
  const url = new URL(req.url ?? "/", "http://localhost");
  const baseUrl = url.searchParams.get("baseUrl");
  if (url.pathname !== "/items" || !baseUrl || !/^https?:\/\//.test(baseUrl)) {
    send(res, 400, { error: "GET /items?baseUrl=<http(s) URL>" });
    return;
  }
  const target = new URL(baseUrl);
  poolFor(target.origin)
    .request({
      method: "GET",
      path: `${target.pathname.replace(/\/$/, "")}/items`,
      headersTimeout: 5000,
      bodyTimeout: 5000,
    })
    .then(async (r) => {
      if (r.statusCode < 200 || r.statusCode >= 300) {
        await r.body.dump();
        send(res, 502, { error: `upstream answered HTTP ${r.statusCode}` });
        return;
      }
      send(res, 200, { items: await r.body.json() });
    })
    .catch((e: Error) => send(res, 502, { error: e.message }));
});

server.listen(0, "127.0.0.1", () => {
  const { port } = server.address() as AddressInfo;
  process.stdout.write(`FLOOR http://127.0.0.1:${port}\n`);
});

const stop = () => process.exit(0);
process.once("SIGTERM", stop);
process.once("SIGINT", stop);
