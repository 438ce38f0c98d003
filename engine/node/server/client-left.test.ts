import { afterAll, beforeAll, expect, it } from "vitest";
import type { FinishedRun } from "../runtime/runner.ts";
import { testWorkspace, type TestWorkspace } from "../testing/harness.ts";
import { startUpstream, type Upstream } from "../testing/upstream.ts";
import { startServer, type RunningServer } from "./server.ts";

// A caller that leaves before its answer stops the run it started (the API's stop signal is a
// listener on the response, not an AbortController): the upstream call waiting for a back end
// that never answers ends at once, long before its own time limit.
let ws: TestWorkspace;
let server: RunningServer;
let upstream: Upstream;

beforeAll(async () => {
  upstream = await startUpstream(() => {}); // never answers
  ws = await testWorkspace({
    connectors: [
      {
        type: "HttpConnector",
        name: "Slow",
        server: "127.0.0.1",
        port: upstream.port,
        timeoutMs: 60_000,
        isDefault: true,
        children: [{ type: "JsonHttpTransaction", name: "Hang", path: "/hang", isDefault: true }],
      },
    ],
    sequences: [
      {
        type: "Sequence",
        name: "Waits",
        timeoutMs: 60_000,
        children: [{ type: "CallTransaction", name: "call", connector: "Slow", transaction: "Hang" }],
      },
    ],
  });
  server = await startServer(ws.engine);
});
afterAll(async () => {
  await server?.close();
  await ws?.close();
  await upstream?.close();
});

it("stops the run when the caller leaves before its answer", async () => {
  const finished = new Promise<FinishedRun>((resolve) => ws.engine.runner.onFinished(resolve));
  const ctl = new AbortController();
  const call = fetch(`${server.url}projects/P/.json?__sequence=Waits`, { signal: ctl.signal });
  call.catch(() => {});
  const deadline = Date.now() + 15_000;
  while (upstream.requests.length === 0) {
    if (Date.now() > deadline) throw new Error("the run never called its back end");
    await new Promise((r) => setTimeout(r, 5));
  }
  const left = Date.now();
  ctl.abort();
  const run = await finished;
  expect(run).toMatchObject({ sequence: "Waits", ok: false, code: "stopped" });
  expect(Date.now() - left).toBeLessThan(10_000);
});
