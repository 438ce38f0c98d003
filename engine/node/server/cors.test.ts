import { writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startAtelier, type RunningAtelier } from "../app.ts";
import { EngineLog } from "../log.ts";
import { readWorkspaceConfig } from "../project/workspace.ts";
import { testWorkspace, type TestWorkspace } from "../testing/harness.ts";

let ws: TestWorkspace;
let app: RunningAtelier;

beforeAll(async () => {
  ws = await testWorkspace({
    sequences: [{ type: "Sequence", name: "Hi", children: [{ type: "Element", name: "hi", value: 1 }] }],
  });
  await writeFile(
    path.join(ws.dir, "atelier.config.yaml"),
    "cors:\n  origins: [https://app.example.com, capacitor://localhost]\n",
  );
  app = await startAtelier({
    workspaceDir: ws.dir,
    studio: false,
    fullsync: { inMemory: true },
    log: new EngineLog({ level: "silent" }),
  });
});
afterAll(async () => {
  await app?.close();
  await ws?.close();
});

describe("CORS for apps served elsewhere", () => {
  it("answers preflights and reflects an allowed origin, with credentials", async () => {
    const pre = await fetch(new URL("projects/P/.json", app.url), {
      method: "OPTIONS",
      headers: {
        origin: "capacitor://localhost",
        "access-control-request-method": "POST",
        "access-control-request-headers": "content-type, x-evil",
      },
    });
    expect(pre.status).toBe(204);
    expect(pre.headers.get("access-control-allow-origin")).toBe("capacitor://localhost");
    expect(pre.headers.get("access-control-allow-credentials")).toBe("true");
    // An allowed origin's page may send the headers it asks for (well-formed names only).
    expect(pre.headers.get("access-control-allow-headers")).toBe("content-type, x-evil");
    const res = await fetch(new URL("projects/P/.json?__sequence=Hi", app.url), {
      headers: { origin: "https://app.example.com" },
    });
    expect(await res.json()).toEqual({ hi: 1 });
    expect(res.headers.get("access-control-allow-origin")).toBe("https://app.example.com");
    expect(res.headers.get("access-control-expose-headers")).toContain("X-Convertigo-Authenticated");
  });

  it("gives nothing to other origins or to non-app paths", async () => {
    const other = await fetch(new URL("projects/P/.json?__sequence=Hi", app.url), {
      headers: { origin: "https://evil.example" },
    });
    expect(other.headers.get("access-control-allow-origin")).toBeNull();
    const fs = await fetch(new URL("fullsync/", app.url), { headers: { origin: "https://app.example.com" } });
    expect(fs.headers.get("access-control-allow-origin")).toBe("https://app.example.com");
    const studio = await fetch(new URL("studio-api/workspace", app.url), {
      headers: { origin: "https://app.example.com" },
    });
    expect(studio.headers.get("access-control-allow-origin")).toBeNull();
  });

  it("refuses a wildcard or a malformed origin in the configuration", async () => {
    await writeFile(path.join(ws.dir, "atelier.config.yaml"), "cors:\n  origins: ['*']\n");
    await expect(readWorkspaceConfig(ws.dir)).rejects.toThrow(/"\*" is not an origin/);
    await writeFile(path.join(ws.dir, "atelier.config.yaml"), "cors:\n  origins: [https://a.example/path]\n");
    await expect(readWorkspaceConfig(ws.dir)).rejects.toThrow(/is not an origin/);
  });
});
