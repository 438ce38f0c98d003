import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testWorkspace, type PlainObject, type TestWorkspace } from "../testing/harness.ts";
import { startServer, type RunningServer } from "./server.ts";

// Behind a load balancer that ends TLS: the server believes X-Forwarded-Proto/-For only from the
// proxies it is told to trust.

const sequences: PlainObject[] = [
  {
    type: "Sequence",
    name: "Login",
    children: [
      { type: "Variable", name: "user" },
      { type: "SetAuthenticatedUser", name: "set", expression: "user" },
    ],
  },
];
const APP = "https://app.example";

let ws: TestWorkspace;
const started: RunningServer[] = [];
beforeAll(async () => {
  ws = await testWorkspace({ sequences });
});
afterAll(async () => {
  for (const s of started) await s.close();
  await ws?.close();
});

async function serve(trustProxy?: string[]): Promise<RunningServer> {
  const s = await startServer(ws.engine, { cors: { origins: [APP] }, ...(trustProxy ? { trustProxy } : {}) });
  started.push(s);
  return s;
}

function login(s: RunningServer): Promise<Response> {
  return fetch(new URL("/projects/P/.json?__sequence=Login&user=ada", s.url), {
    headers: { origin: APP, "x-forwarded-proto": "https", "x-forwarded-for": "203.0.113.7" },
  });
}

describe("trusted proxies", () => {
  it("HTTPS ended at a trusted balancer gives the cross-site app its Secure session cookie", async () => {
    const res = await login(await serve(["127.0.0.1"]));
    expect(res.status).toBe(200);
    expect(res.headers.get("set-cookie")).toMatch(/SameSite=None; Secure; Partitioned/);
  });

  it("the same headers from anyone else are not believed", async () => {
    for (const trust of [undefined, ["10.1.2.3"]]) {
      const res = await login(await serve(trust));
      expect(res.status).toBe(200);
      const cookie = res.headers.get("set-cookie") ?? "";
      expect(cookie).toMatch(/SameSite=Lax/);
      expect(cookie).not.toMatch(/Secure/);
    }
  });
});
