import { describe, expect, it } from "vitest";
import type { RunEvent, TraceEntry } from "../common/model/trace.ts";
import { testWorkspace } from "./testing/harness.ts";
import { sendJson, startUpstream } from "./testing/upstream.ts";

describe("Engine.run", () => {
  it("records a trace: every step with its inputs, output, duration, nesting and error", async () => {
    const ws = await testWorkspace({
      sequences: [
        {
          type: "Sequence",
          name: "Main",
          children: [
            { type: "Variable", name: "n", dataType: "integer", default: 2 },
            {
              type: "Iterator",
              name: "loop",
              expression: "[1, 2]",
              children: [{ type: "Element", name: "v", expression: "item * n" }],
            },
            {
              type: "If",
              name: "check",
              condition: "n > 1",
              children: [{ type: "Error", name: "stop", code: "9", message: "stopped here" }],
            },
          ],
        },
      ],
    });
    try {
      const events: RunEvent[] = [];
      const r = await ws.run({ sequence: "Main", inputs: {}, trace: true, onEvent: (e) => events.push(e) });
      expect(r.ok).toBe(false);
      const t = r.trace as TraceEntry[];
      expect(t.map((e) => [e.name, e.depth, e.status])).toEqual([
        ["loop", 0, "ok"],
        ["v", 1, "ok"],
        ["v", 1, "ok"],
        ["check", 0, "error"],
        ["stop", 1, "error"],
      ]);
      expect(t[1]?.parent).toBe(0);
      expect(t[1]).toMatchObject({ output: 2, inputs: { expression: "item * n" } });
      expect(t[2]?.output).toBe(4);
      expect(t[3]?.inputs).toEqual({ condition: true });
      expect(t[4]?.error).toMatchObject({ code: 9, message: "stopped here" });
      expect(t.every((e) => typeof e.durationMs === "number" && e.durationMs >= 0)).toBe(true);
      expect(r.error?.step).toMatchObject({ name: "stop", type: "Error", project: "P" });
      expect(events[0]).toMatchObject({ kind: "start", requestable: "Main" });
      expect(events.filter((e) => e.kind === "step-end")).toHaveLength(5);
      expect(events.at(-1)).toMatchObject({ kind: "end", ok: false });
    } finally {
      await ws.close();
    }
  });

  it("stops a run at its sequence's time limit, even inside JavaScript", async () => {
    const ws = await testWorkspace({
      sequences: [
        {
          type: "Sequence",
          name: "Spin",
          timeoutMs: 300,
          children: [{ type: "SequenceJS", name: "spin", code: "while (true) {}" }],
        },
      ],
    });
    try {
      const started = Date.now();
      const r = await ws.run({ sequence: "Spin", inputs: {} });
      expect(Date.now() - started).toBeLessThan(3000);
      expect(r.error?.code).toBe("js_timeout");
      expect(r.error?.message).toContain("reached its time limit");
    } finally {
      await ws.close();
    }
  });

  it("stops a run when its caller aborts", async () => {
    const ws = await testWorkspace({
      sequences: [
        {
          type: "Sequence",
          name: "Long",
          children: [
            {
              type: "While",
              name: "w",
              condition: "true",
              maxIterations: 100000000,
              children: [
                { type: "SequenceJS", name: "busy", code: "var x = 0; for (var i = 0; i < 1000; i++) x += i;" },
              ],
            },
          ],
        },
        { type: "Sequence", name: "Short", children: [{ type: "Element", name: "ok", value: true }] },
      ],
    });
    try {
      const ctl = new AbortController();
      const long = ws.run({ sequence: "Long", inputs: {}, signal: ctl.signal });
      // A long run leaves the event loop free: timers fire and other runs complete meanwhile.
      const startedShort = Date.now();
      const short = await ws.run({ sequence: "Short", inputs: {} });
      expect(short.error).toBeUndefined();
      expect(short.output).toEqual({ ok: true });
      expect(Date.now() - startedShort).toBeLessThan(1000);
      setTimeout(() => ctl.abort(), 100);
      const r = await long;
      expect(r.error).toMatchObject({ code: "stopped", message: "The run was stopped" });
    } finally {
      await ws.close();
    }
  });

  it("pauses before each step for the debugger, shows the scope, and can stop", async () => {
    const ws = await testWorkspace({
      sequences: [
        {
          type: "Sequence",
          name: "Main",
          children: [
            { type: "Variable", name: "who", default: "Ada" },
            { type: "SequenceJS", name: "js", code: "var greeting = 'Hi ' + who;" },
            { type: "Element", name: "g", expression: "greeting" },
            { type: "Element", name: "never", value: 1 },
          ],
        },
      ],
    });
    try {
      const seen: { name: string; scope: Record<string, unknown> }[] = [];
      const r = await ws.run({
        sequence: "Main",
        inputs: {},
        debug: {
          beforeStep: async (entry, scope) => {
            seen.push({ name: entry.name, scope: scope() });
            return entry.name === "never" ? "stop" : undefined;
          },
        },
      });
      expect(seen.map((s) => s.name)).toEqual(["js", "g", "never"]);
      expect(seen[0]?.scope.variables).toMatchObject({ who: "Ada" });
      expect(seen[1]?.scope.variables).toMatchObject({ who: "Ada", greeting: "Hi Ada" });
      expect(seen[2]?.scope.output).toEqual({ g: "Hi Ada" });
      expect(r.error?.code).toBe("stopped");
    } finally {
      await ws.close();
    }
  });

  it("refuses to run a sequence holding an invalid object, saying which and where", async () => {
    const ws = await testWorkspace({
      sequences: [
        {
          type: "Sequence",
          name: "Bad",
          children: [{ type: "While", name: "w", condition: "true", maxIterations: "lots" }],
        },
      ],
    });
    try {
      const r = await ws.run({ sequence: "Bad", inputs: {} });
      expect(r.error?.code).toBe("invalid_object");
      expect(r.error?.message).toContain('While "w": Maximum iterations must be a number (P/sequences/Bad.yaml:');
    } finally {
      await ws.close();
    }
  });

  it("runs many sequences at once without mixing their scopes", async () => {
    const ws = await testWorkspace({
      sequences: [
        {
          type: "Sequence",
          name: "Echo",
          children: [
            { type: "Variable", name: "v" },
            { type: "SequenceJS", name: "js", code: "var copy = v;" },
            { type: "Element", name: "v", expression: "copy" },
          ],
        },
      ],
    });
    try {
      const results = await Promise.all(
        Array.from({ length: 50 }, (_, i) => ws.run({ sequence: "Echo", inputs: { v: `value-${i}` } })),
      );
      expect(results.map((r) => (r.output as { v: string }).v)).toEqual(
        Array.from({ length: 50 }, (_, i) => `value-${i}`),
      );
    } finally {
      await ws.close();
    }
  });
});

describe("Engine and its runner", () => {
  it("runs through its runner, which sees the settings and services the engine changes afterwards", async () => {
    const ws = await testWorkspace({
      settings: [{ type: "Setting", name: "greeting", value: "Hello" }],
      connectors: [
        {
          type: "HttpConnector",
          name: "Api",
          server: "prices.example",
          children: [{ type: "JsonHttpTransaction", name: "Price", path: "/price" }],
        },
      ],
      sequences: [{ type: "Sequence", name: "Main", children: [{ type: "Element", name: "g", value: "${greeting}" }] }],
    });
    try {
      const first = await ws.engine.runner.run({ project: "P", sequence: "Main", inputs: {} });
      expect(first.output).toEqual({ g: "Hello" });
      ws.engine.setConfigSettings({ greeting: "Bonjour" });
      expect((await ws.run({ sequence: "Main", inputs: {} })).output).toEqual({ g: "Bonjour" });
      const urls: string[] = [];
      ws.engine.setService("http", {
        async request(req) {
          urls.push(req.url);
          return { status: 200, headers: {}, body: "[12]" };
        },
      });
      const tx = await ws.engine.runner.run({ project: "P", connector: "Api", transaction: "Price", inputs: {} });
      expect(tx.output).toEqual([12]);
      expect(urls).toEqual(["http://prices.example/price"]);
    } finally {
      await ws.close();
    }
  });
});

describe("number properties the engine reads itself", () => {
  it("resolves a ${setting} time limit of a connector or a sequence, and names a bad one", async () => {
    const upstream = await startUpstream((_req, res) => sendJson(res, 200, [1]));
    const ws = await testWorkspace({
      settings: [
        { type: "Setting", name: "callMs", value: "5000" },
        { type: "Setting", name: "seqMs", value: "4000" },
      ],
      connectors: [
        {
          type: "HttpConnector",
          name: "Api",
          server: "127.0.0.1",
          port: upstream.port,
          timeoutMs: "${callMs}",
          children: [{ type: "JsonHttpTransaction", name: "List", path: "/items" }],
        },
      ],
      sequences: [
        {
          type: "Sequence",
          name: "Seq",
          timeoutMs: "${seqMs}",
          children: [{ type: "Element", name: "ok", value: 1 }],
        },
      ],
    });
    try {
      // Read raw, "${callMs}" was NaN: the run's timer fired at once ("time limit of NaN ms").
      const tx = await ws.run({ connector: "Api", transaction: "List", inputs: {} });
      expect(tx.error).toBeUndefined();
      expect(tx.output).toEqual([1]);
      expect((await ws.run({ sequence: "Seq", inputs: {} })).output).toEqual({ ok: 1 });
    } finally {
      await ws.close();
    }
    for (const [callMs, why] of [
      ["soon", /timeoutMs is "\$\{callMs\}", which gives "soon": not a whole number/],
      [
        "-5",
        /timeoutMs is "\$\{callMs\}", which gives -5: not a whole number from 1 to 3600000 \(change the setting callMs\)/,
      ],
    ] as const) {
      const bad = await testWorkspace(
        {
          connectors: [
            {
              type: "HttpConnector",
              name: "Api",
              server: "127.0.0.1",
              port: upstream.port,
              timeoutMs: "${callMs}",
              children: [{ type: "JsonHttpTransaction", name: "List", path: "/items" }],
            },
          ],
        },
        { settings: { callMs } },
      );
      try {
        const r = await bad.run({ connector: "Api", transaction: "List", inputs: {} });
        expect(r.error?.code).toBe("invalid_setting");
        expect(r.error?.message).toMatch(why);
        expect(r.error?.message).not.toContain("NaN");
      } finally {
        await bad.close();
      }
    }
    await upstream.close();
  });
});
