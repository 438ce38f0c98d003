// The orders back end of the FullSyncDemo project (README, "FullSync"): GET /orders lists the
// orders, PUT /orders/<id> updates one (refused when the order belongs to another user).
// Usage: node examples/fullsync-demo/backend.mjs   (PORT=8090 by default, loopback only)
import { createServer } from "node:http";

const port = Number(process.env.PORT ?? 8090);
const orders = new Map(
  [
    { id: 1, user: "alice", item: "Pen", qty: 2 },
    { id: 2, user: "alice", item: "Notebook", qty: 1 },
    { id: 3, user: "bob", item: "Stapler", qty: 5 },
  ].map((o) => [String(o.id), o]),
);

const server = createServer((req, res) => {
  const chunks = [];
  req.on("data", (c) => chunks.push(c));
  req.on("end", () => {
    const send = (status, body) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    };
    const m = /^\/orders\/([^/?]+)$/.exec(req.url ?? "");
    if (req.method === "GET" && req.url === "/orders") return send(200, [...orders.values()]);
    if (req.method === "PUT" && m) {
      const id = decodeURIComponent(m[1]);
      let body;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
      } catch {
        return send(400, { error: "the body is not JSON" });
      }
      const existing = orders.get(id);
      if (existing && existing.user !== body.user) {
        console.log(`REFUSED PUT /orders/${id}: it is ${existing.user}'s order, not ${body.user}'s`);
        return send(403, { error: `order ${id} belongs to another user` });
      }
      orders.set(id, { id: Number(id), user: body.user, item: body.item, qty: body.qty });
      console.log(`PUT /orders/${id} ${JSON.stringify(body)}`);
      return send(200, { ok: true });
    }
    send(404, { error: `nothing at ${req.method} ${req.url}` });
  });
});

server.listen(port, "127.0.0.1", () => console.log(`Orders back end: http://127.0.0.1:${server.address().port}`));
process.once("SIGINT", () => server.close(() => process.exit(0)));
process.once("SIGTERM", () => server.close(() => process.exit(0)));
