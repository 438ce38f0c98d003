import { describe, expect, it } from "vitest";
import { testWorkspace } from "../../../node/testing/harness.ts";

describe("Log step", () => {
  it("writes its message at its level to the engine log, secrets masked", async () => {
    const ws = await testWorkspace({
      settings: [{ type: "Setting", name: "token", value: "s3cr3t-value", secret: true }],
      sequences: [
        {
          type: "Sequence",
          name: "Main",
          children: [
            { type: "Log", name: "hello", level: "warn", expression: "'token is ' + 'ab'" },
            { type: "Log", name: "leak", value: "using ${token}" },
          ],
        },
      ],
    });
    try {
      const r = await ws.run({ sequence: "Main", inputs: {}, trace: true });
      expect(r.ok).toBe(true);
      const records = ws.engine.log.recent();
      expect(records.find((x) => x.message === "token is ab")?.level).toBe("warn");
      const leak = records.find((x) => x.message.startsWith("using "));
      expect(leak?.message).not.toContain("s3cr3t-value");
      expect(JSON.stringify(r.trace)).not.toContain("s3cr3t-value");
    } finally {
      await ws.close();
    }
  });
});
