import { describe, expect, it } from "vitest";
import { EngineLog } from "../log.ts";
import { DeviceLogs } from "./device-logs.ts";

const batch = (n: number, level = "info") =>
  JSON.stringify(Array.from({ length: n }, (_, i) => ({ time: "0", level, msg: `m${i}` })));

describe("DeviceLogs budgets", () => {
  it("resets each minute, shares one budget beyond maxClients, keeps a bounded ring, warns once", () => {
    const log = new EngineLog({ level: "silent" });
    let t = 0;
    const logs = new DeviceLogs(log, { perClientPerMinute: 5, perMinute: 12, maxClients: 2, ringSize: 8 }, () => t);
    const isProject = () => false;
    expect(logs.add({ logs: batch(3) }, "a", isProject)).toBe("info");
    expect(logs.add({ logs: batch(3) }, "a", isProject)).toBe("none");
    expect(logs.add({ logs: batch(5) }, "b", isProject)).toBe("none");
    // Clients c and d share the "other clients" budget: 2 left overall (12 - 10).
    expect(logs.add({ logs: batch(5) }, "c", isProject)).toBe("none");
    expect(logs.add({ logs: batch(5) }, "d", isProject)).toBe("none");
    const device = log.recent().filter((r) => r.message.startsWith("[device"));
    expect(device.length).toBe(12);
    expect(log.recent().filter((r) => r.message.includes("over budget")).length).toBe(1);
    expect(logs.recent().length).toBe(8);
    t += 60_000;
    expect(logs.add({ logs: batch(1, "warn") }, "a", isProject)).toBe("info");
    expect(log.recent().some((r) => /entries dropped in the last minute/.test(r.message))).toBe(true);
  });

  it("skips what is not a list of entries, and never throws on caller input", () => {
    const log = new EngineLog({ level: "silent" });
    const logs = new DeviceLogs(log);
    for (const bad of [undefined, "", "{", "{}", "3", '[null, 1, "x", {"msg": 3}]', "[".repeat(100_000)]) {
      expect(logs.add({ logs: bad, env: "[", uuid: 5 }, "a", () => true)).toBe("info");
    }
    expect(logs.recent()).toEqual([]);
    expect(logs.add({ logs: '[{"level":"bogus","msg":"hi"}]', env: '{"project":"Nope"}' }, "a", () => false)).toBe(
      "info",
    );
    expect(logs.recent()[0]).toMatchObject({ level: "info", message: "hi" });
    expect(logs.recent()[0]!.project).toBeUndefined();
  });
});
