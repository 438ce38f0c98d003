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
    sequences: [
      {
        type: "Sequence",
        name: "Hi",
        children: [
          { type: "Variable", name: "n", multiValued: true },
          { type: "Element", name: "hi", value: 1 },
        ],
      },
    ],
  });
  await writeFile(
    path.join(ws.dir, "atelier.config.yaml"),
    "jsonp: true\napi:\n  bodyLimit: 2048\n  maxValuesPerParameter: 3\n",
  );
  app = await startAtelier({
    workspaceDir: ws.dir,
    studio: false,
    fullsync: false,
    log: new EngineLog({ level: "silent" }),
  });
});
afterAll(async () => {
  await app?.close();
  await ws?.close();
});

describe("the API's limits and JSONP from atelier.config.yaml", () => {
  it("applies api: limits and jsonp: true from the workspace", async () => {
    const post = (body: string) =>
      fetch(new URL("projects/P/.json", app.url), {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body,
      });
    expect((await post("__sequence=Hi&n=1&n=2&n=3")).status).toBe(200);
    const many = await post("__sequence=Hi&n=1&n=2&n=3&n=4");
    expect(many.status).toBe(413);
    expect(await many.json()).toMatchObject({ error: { code: "too_many_values" } });
    const big = await post("__sequence=Hi&x=" + "y".repeat(3000));
    expect(big.status).toBe(413);
    expect(((await big.json()) as { error: { message: string } }).error.message).toContain("2 KiB");
    const jsonp = await fetch(new URL("projects/P/.jsonp?__sequence=Hi&__callback=cb", app.url));
    expect(await jsonp.text()).toBe('/**/cb({"hi":1});');
  });

  it("refuses unknown keys and values that are not limits", async () => {
    const dir = ws.dir;
    for (const [text, message] of [
      ["api:\n  bodylimit: 5\n", /unknown key "bodylimit"/],
      ["api:\n  bodyLimit: 1.5\n", /api.bodyLimit must be a whole number/],
      ["api:\n  maxParameters: 0\n", /api.maxParameters must be a whole number/],
      ["api: 5\n", /api must be a mapping/],
      ["jsonp: yes please\n", /jsonp must be true or false/],
    ] as const) {
      await writeFile(path.join(dir, "atelier.config.yaml"), text);
      await expect(readWorkspaceConfig(dir), text).rejects.toThrow(message);
    }
    await writeFile(path.join(dir, "atelier.config.yaml"), "jsonp: false\napi: {maxJsonNodes: 50}\n");
    expect(await readWorkspaceConfig(dir)).toMatchObject({ jsonp: false, api: { maxJsonNodes: 50 } });
  });
});
