// The container's HEALTHCHECK: GET /health/live on the server in this container, without curl
// (the slim image has none). Exit 0 when it answers 200 within 4 s, 1 otherwise.
// ATELIER_HEALTH_URL: the URL to check (default http://127.0.0.1:8443/health/live). Over HTTPS the
// certificate is not checked: this is the container's own loopback, and liveness is all it asks.
import http from "node:http";
import https from "node:https";

const url = new URL(process.env.ATELIER_HEALTH_URL || "http://127.0.0.1:8443/health/live");
const client = url.protocol === "https:" ? https : http;
const req = client.get(url, { timeout: 4_000, rejectUnauthorized: false }, (res) => {
  res.resume();
  process.exit(res.statusCode === 200 ? 0 : 1);
});
req.on("timeout", () => req.destroy(new Error("timeout")));
req.on("error", (e) => {
  process.stderr.write(`health check ${url.href}: ${e.message}\n`);
  process.exit(1);
});
