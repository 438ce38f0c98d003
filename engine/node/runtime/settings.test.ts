import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { resolvePlaceholders } from "../../common/model/settings.ts";
import { Engine } from "../engine.ts";
import { EngineLog } from "../log.ts";
import { setProjectSecret } from "../project/set-secret.ts";
import { testWorkspace } from "../testing/harness.ts";

const echo = {
  type: "Sequence",
  name: "Echo",
  children: [
    { type: "Element", name: "host", value: "${host}" },
    { type: "Element", name: "port", value: "${port=80}" },
    { type: "Log", name: "log", value: "token=${token}" },
    { type: "Element", name: "tokenLength", expression: "setting('token').length" },
  ],
};

describe("settings", () => {
  it("replaces placeholders, with defaults and escapes", () => {
    const lookup = (n: string) => ({ a: "1" })[n];
    expect(resolvePlaceholders("x${a}y${b=2}z$${a}", lookup)).toBe("x1y2z${a}");
    expect(() => resolvePlaceholders("${missing}", lookup)).toThrow(/setting "missing" has no value/);
  });

  it("take the project's value, then the configuration, the environment, and --set", async () => {
    const settings = [
      { type: "Setting", name: "host", value: "project.example" },
      { type: "Setting", name: "token", value: "t" },
    ];
    const ws = await testWorkspace({ sequences: [echo], settings });
    try {
      expect((await ws.run({ sequence: "Echo", inputs: {} })).output).toMatchObject({
        host: "project.example",
        port: "80",
      });
    } finally {
      await ws.close();
    }
    const layered = async (opts: Parameters<typeof testWorkspace>[1], config?: string) => {
      const w = await testWorkspace({ sequences: [echo], settings });
      try {
        if (config) {
          await writeFile(path.join(w.dir, "atelier.config.yaml"), config);
        }
        const engine = await Engine.open({ workspaceDir: w.dir, log: new EngineLog({ level: "silent" }), ...opts });
        try {
          return (await engine.run({ project: "P", sequence: "Echo", inputs: {} })).output as Record<string, unknown>;
        } finally {
          await engine.close();
        }
      } finally {
        await w.close();
      }
    };
    expect((await layered({}, "settings:\n  host: config.example\n  port: 8080\n"))?.host).toBe("config.example");
    expect((await layered({}, "settings:\n  host: plain\n  P.host: qualified\n"))?.host).toBe("qualified");
    expect(
      (await layered({ env: { ATELIER_SET_host: "env.example" } }, "settings:\n  host: config.example\n"))?.host,
    ).toBe("env.example");
    expect((await layered({ env: { ATELIER_SET_host: "env.example" }, settings: { host: "cli.example" } }))?.host).toBe(
      "cli.example",
    );
  });

  it("keep secrets encrypted on disk, usable at run time, masked in logs and traces", async () => {
    const ws = await testWorkspace({ sequences: [echo], settings: [{ type: "Setting", name: "host", value: "h" }] });
    try {
      await setProjectSecret(path.join(ws.dir, "P"), "token", "pa55-w0rd!");
      const file = await readFile(path.join(ws.dir, "P/project.yaml"), "utf8");
      expect(file).not.toContain("pa55-w0rd!");
      expect(file).toMatch(/value: enc:v1:/);
      const engine = await Engine.open({ workspaceDir: ws.dir, log: new EngineLog({ level: "silent" }) });
      try {
        const r = await engine.run({ project: "P", sequence: "Echo", inputs: {}, trace: true });
        expect(r.output).toMatchObject({ tokenLength: 10 });
        expect(JSON.stringify(r.trace)).not.toContain("pa55-w0rd!");
        expect(engine.log.recent().map((x) => x.message)).toContain("token=••••••");
        expect(engine.project("P")?.root.children.find((c) => c.name === "token")?.issues).toBeUndefined();
      } finally {
        await engine.close();
      }
      // Without the key, the error says what is missing instead of using garbage.
      const elsewhere = await Engine.open({
        workspaceDir: ws.dir,
        projectDirs: [path.join(ws.dir, "P")],
        env: { ATELIER_SECRET_KEY: "00".repeat(32) },
        log: new EngineLog({ level: "silent" }),
      });
      try {
        const r = await elsewhere.run({ project: "P", sequence: "Echo", inputs: {} });
        expect(r.error?.message).toContain('The setting "token" of P cannot be decrypted with this workspace\'s key');
      } finally {
        await elsewhere.close();
      }
    } finally {
      await ws.close();
    }
  });

  it("mark a secret stored in clear as a problem", async () => {
    const ws = await testWorkspace({
      sequences: [echo],
      settings: [{ type: "Setting", name: "token", value: "clear", secret: true }],
    });
    try {
      const setting = ws.engine.project("P")?.root.children.find((c) => c.name === "token");
      expect(setting?.issues?.[0]?.message).toContain("stored in clear");
    } finally {
      await ws.close();
    }
  });
});
