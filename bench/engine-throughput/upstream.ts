// The upstream of the engine throughput benchmark: a bare Node HTTP server on 127.0.0.1 whose
// GET /items answers a small JSON array (the same bytes every time). Prints `UPSTREAM <url>`.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

/** Ten small items: the array every target fetches and passes on. */
const ITEMS = Array.from({ length: 10 }, (_, i) => ({
  id: i + 1,
  name: `Item ${i + 1}`,
  price: Math.round((i + 1) * 3.75 * 100) / 100,
  inStock: i % 3 !== 0,
}));

const body = Buffer.from(JSON.stringify(ITEMS));

const server = createServer({ keepAliveTimeout: 30_000 }, (req, res) => {
  if (req.method === "GET" && (req.url === "/items" || req.url?.startsWith("/items?"))) {
    res.writeHead(200, { "content-type": "application/json; charset=utf-8", "content-length": body.length });
    res.end(body);
    return;
  }
  const msg = Buffer.from(JSON.stringify({ error: `Nothing at ${req.method} ${req.url}` }));
  res.writeHead(404, { "content-type": "application/json; charset=utf-8", "content-length": msg.length });
  res.end(msg);
});

server.listen(0, "127.0.0.1", () => {
  const { port } = server.address() as AddressInfo;
  process.stdout.write(`UPSTREAM http://127.0.0.1:${port}\n`);
});

const stop = () => process.exit(0);
process.once("SIGTERM", stop);
process.once("SIGINT", stop);
