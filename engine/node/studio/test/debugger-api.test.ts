import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TraceEntry } from "../../../common/model/trace.ts";
import type { RunStreamEvent } from "../../../common/studio/api.ts";
import { readNdjson } from "../../../common/http/ndjson.ts";
import { startAtelier, type RunningAtelier } from "../../app.ts";
import { EngineLog } from "../../log.ts";

let dir: string;
let app: RunningAtelier;
let token: string;

const JS_ID = "stjs00000001";
const CODE = [
  "let total = 0;", // 1
  "const factor = 2;", // 2
  "for (let i = 0; i < Number(n); i++) {", // 3
  "  total += i * factor;", // 4
  "}", // 5
  "", // 6
  "var done = true;", // 7
  "total", // 8
].join("\n");

const SLOW = [
  "var t = Date.now(); while (Date.now() - t < 400) {}", // 1
  "var half = 1;", // 2
  "t = Date.now(); while (Date.now() - t < 400) {}", // 3
  "half + 1", // 4
].join("\n");

function yamlBlock(code: string, indent: string): string {
  return code
    .split("\n")
    .map((l) => (l ? indent + l : ""))
    .join("\n");
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "atelier-debugger-"));
  await mkdir(path.join(dir, "P", "sequences"), { recursive: true });
  await writeFile(path.join(dir, "P", "project.yaml"), "atelier: 1\ntype: Project\nname: P\nid: projectp0001\n");
  await writeFile(
    path.join(dir, "P", "sequences", "Calc.yaml"),
    `type: Sequence
name: Calc
id: seqcalc00001
children:
  - type: Variable
    name: n
    id: varn00000001
    default: "3"
  - type: SequenceJS
    name: compute
    id: ${JS_ID}
    code: |-
${yamlBlock(CODE, "      ")}
  - type: Element
    name: result
    id: stresult0001
    source:
      step: ${JS_ID}
`,
  );
  await writeFile(
    path.join(dir, "P", "sequences", "Slow.yaml"),
    `type: Sequence
name: Slow
id: seqslow00001
children:
  - type: SequenceJS
    name: slowJs
    id: stslow000001
    code: |-
${yamlBlock(SLOW, "      ")}
`,
  );
  await writeFile(
    path.join(dir, "P", "sequences", "Outer.yaml"),
    `type: Sequence
name: Outer
id: seqouter0001
children:
  - type: CallSequence
    name: callCalc
    id: stcallcalc01
    sequence: Calc
`,
  );
  app = await startAtelier({
    workspaceDir: dir,
    port: 0,
    log: new EngineLog({ level: "silent" }),
    scheduler: false,
    fullsync: false,
    // A JavaScript evaluation may run 1 s: the pause below lasts longer.
    sandbox: { timeLimitMs: 1000 },
    studio: { distDir: path.join(dir, "no-dist"), watch: false },
  });
  token = app.studio!.auth.token;
});

afterAll(async () => {
  await app?.close();
  await rm(dir, { recursive: true, force: true });
});

async function post(url: string, body: unknown, method = "POST"): Promise<void> {
  const res = await fetch(new URL(url, app.url), {
    method,
    headers: { authorization: `Bearer ${token}`, "x-atelier-studio": "1", "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  if (res.status !== 200) throw new Error(`${url}: ${res.status} ${await res.text()}`);
}

type Paused = Extract<RunStreamEvent, { kind: "paused" }>;

/** Runs in the debugger; `onPause` answers each pause (the n-th, from 1) with an action. */
async function debugRun(
  body: Record<string, unknown>,
  onPause: (ev: Paused, n: number, runId: string) => Promise<void> | void,
): Promise<{ events: RunStreamEvent[]; pauses: Paused[] }> {
  const res = await fetch(new URL("/api/studio/runs", app.url), {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "x-atelier-studio": "1", "content-type": "application/json" },
    body: JSON.stringify({ project: "P", inputs: {}, debug: true, ...body }),
  });
  expect(res.status).toBe(200);
  const events: RunStreamEvent[] = [];
  const pauses: Paused[] = [];
  let runId = "";
  for await (const ev of readNdjson<RunStreamEvent>(res.body!)) {
    events.push(ev);
    if (ev.kind === "run") runId = ev.runId;
    if (ev.kind === "paused") {
      pauses.push(ev);
      void onPause(ev, pauses.length, runId);
    }
  }
  return { events, pauses };
}

const act = (runId: string, action: "continue" | "step" | "stop") =>
  post(`/api/studio/runs/${runId}/debug`, { action });

describe("the debugger: lines of JavaScript steps", () => {
  it("pauses at a line with its let / const in scope, again at the next iteration, and goes on", async () => {
    const { events, pauses } = await debugRun(
      { sequence: "Calc", lineBreakpoints: { [JS_ID]: [4] } },
      async (ev, n, runId) => {
        // After the second pause the breakpoint is removed: the loop runs to its end.
        if (n === 2) await post(`/api/studio/runs/${runId}/breakpoints`, { ids: [], lines: {} }, "PUT");
        await act(runId, "continue");
      },
    );
    expect(pauses.map((p) => p.line)).toEqual([
      { step: JS_ID, line: 4 },
      { step: JS_ID, line: 4 },
    ]);
    expect(pauses[0]!.entry).toMatchObject({ id: JS_ID, name: "compute", status: "paused" });
    expect(pauses[0]!.reason).toBe("breakpoint");
    expect(pauses[0]!.scope.variables).toMatchObject({ n: "3", total: 0, factor: 2, i: 0 });
    expect(pauses[1]!.scope.variables).toMatchObject({ total: 0, i: 1 });
    expect(events.at(-1)).toMatchObject({ kind: "end", ok: true, output: { result: 6 } });
  });

  it("snaps a breakpoint on a blank line to the next statement, and steps line by line, then to the next step", async () => {
    const { events, pauses } = await debugRun(
      { sequence: "Calc", inputs: { n: "0" }, lineBreakpoints: { [JS_ID]: [6] } },
      (_ev, n, runId) => act(runId, n < 3 ? "step" : "continue"),
    );
    expect(pauses.map((p) => p.line?.line ?? p.entry.name)).toEqual([7, 8, "result"]);
    expect(pauses[1]!.reason).toBe("step");
    // At the next step, the JavaScript's let / const and var are in scope, and outputs go by name.
    expect(pauses[2]!.scope.variables).toMatchObject({ total: 0, factor: 2, done: true });
    expect(pauses[2]!.scope.outputs).toEqual({ compute: 0 });
    expect(events.at(-1)).toMatchObject({ kind: "end", ok: true });
  });

  it("leaves paused time out of the time limit and of the durations", async () => {
    const { events, pauses } = await debugRun(
      { sequence: "Slow", lineBreakpoints: { stslow000001: [2] } },
      async (_ev, _n, runId) => {
        await new Promise((r) => setTimeout(r, 1500));
        await act(runId, "continue");
      },
    );
    expect(pauses).toHaveLength(1);
    const end = events.at(-1) as Extract<RunStreamEvent, { kind: "end" }>;
    expect(end).toMatchObject({ kind: "end", ok: true, output: {} });
    const step = events.filter((e) => e.kind === "step-end").map((e) => (e as { entry: TraceEntry }).entry)[0]!;
    expect(step.status).toBe("ok");
    // ~800 ms of work; the 1.5 s pause counts in neither duration.
    expect(step.durationMs).toBeGreaterThanOrEqual(750);
    expect(step.durationMs).toBeLessThan(1400);
    expect(end.durationMs).toBeLessThan(1400);
  });

  it("stops at a line pause", async () => {
    const started = Date.now();
    const { events } = await debugRun({ sequence: "Calc", lineBreakpoints: { [JS_ID]: [2] } }, (_ev, _n, runId) =>
      act(runId, "stop"),
    );
    expect(events.at(-1)).toMatchObject({ kind: "end", ok: false, error: { code: "stopped" } });
    expect(Date.now() - started).toBeLessThan(3000);
  });
});

describe("the debugger: steps", () => {
  it("pauses at the first step when the sequence holds no breakpoint", async () => {
    const { pauses, events } = await debugRun({ sequence: "Calc", breakpoints: ["elsewhere"] }, (_ev, _n, runId) =>
      act(runId, "continue"),
    );
    expect(pauses).toHaveLength(1);
    expect(pauses[0]).toMatchObject({ reason: "start", entry: { name: "compute" } });
    expect(events.at(-1)).toMatchObject({ kind: "end", ok: true, output: { result: 6 } });
  });

  it("durations of steps leave the time paused before them out", async () => {
    const { events } = await debugRun({ sequence: "Calc", breakpoints: ["stresult0001"] }, async (_ev, _n, runId) => {
      await new Promise((r) => setTimeout(r, 700));
      await act(runId, "continue");
    });
    const result = events
      .filter((e) => e.kind === "step-end")
      .map((e) => (e as { entry: TraceEntry }).entry)
      .find((e) => e.name === "result")!;
    expect(result.durationMs).toBeLessThan(400);
    expect((events.at(-1) as { durationMs: number }).durationMs).toBeLessThan(600);
  });

  it("a pause inside a called sequence is left out of the calling step's duration", async () => {
    const { events, pauses } = await debugRun(
      { sequence: "Outer", breakpoints: ["stresult0001"] },
      async (ev, _n, runId) => {
        if (ev.entry.name === "result") await new Promise((r) => setTimeout(r, 700));
        await act(runId, "continue");
      },
    );
    // The breakpoint is not in Outer itself: the debugger pauses at its first step too.
    expect(pauses.map((p) => p.entry.name)).toEqual(["callCalc", "result"]);
    const call = events
      .filter((e) => e.kind === "step-end")
      .map((e) => (e as { entry: TraceEntry }).entry)
      .find((e) => e.name === "callCalc")!;
    expect(call.status).toBe("ok");
    expect(call.durationMs).toBeLessThan(500);
    expect(events.at(-1)).toMatchObject({ kind: "end", ok: true });
    expect((events.at(-1) as { durationMs: number }).durationMs).toBeLessThan(600);
  });
});
