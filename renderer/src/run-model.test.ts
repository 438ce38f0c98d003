import { describe, expect, it } from "vitest";
import type { TraceEntry } from "../../engine/common/model/trace.ts";
import type { ProjectDelta } from "../../engine/common/studio/api.ts";
import {
  durationText,
  executingStep,
  statusKind,
  stepsDone,
  targetOf,
  timeOfDay,
  touchesFailure,
} from "./run-model.ts";

const entry = (seq: number, status: TraceEntry["status"], depth = 0): TraceEntry => ({
  seq,
  id: `s${seq}`,
  name: `step${seq}`,
  type: "Element",
  depth,
  start: 0,
  status,
  project: "P",
});

describe("run progress", () => {
  it("writes durations for people", () => {
    expect(durationText(0)).toBe("0 ms");
    expect(durationText(850.4)).toBe("850 ms");
    expect(durationText(4210)).toBe("4.2 s");
    expect(durationText(42_000)).toBe("42 s");
    expect(durationText(65_000)).toBe("1 min 05 s");
    expect(durationText(2 * 3600_000 + 3 * 60_000)).toBe("2 h 03 min");
    expect(durationText(5 * 24 * 3600_000)).toBe("5 days");
    expect(durationText(-1)).toBe("");
  });

  it("finds the step under way (the inner one of a call) and counts the steps done", () => {
    expect(executingStep([])).toBeUndefined();
    const trace = [entry(0, "ok"), entry(1, "running"), entry(2, "running", 1), entry(3, "ok", 1)];
    expect(executingStep(trace)?.seq).toBe(2);
    expect(executingStep([entry(0, "ok"), entry(1, "paused")])?.seq).toBe(1);
    expect(executingStep([entry(0, "ok"), entry(1, "error")])).toBeUndefined();
    expect(stepsDone(trace)).toBe(2);
  });

  it("names targets as runs do", () => {
    expect(targetOf({ sequence: "Greet" })).toBe("Greet");
    expect(targetOf({ connector: "Api", transaction: "GetItem" })).toBe("Api.GetItem");
  });
});

describe("failure marks", () => {
  const delta = (d: Partial<ProjectDelta>): ProjectDelta => ({ project: "P", rev: 2, upserts: [], removed: [], ...d });
  const step = { id: "s1", project: "P" };
  const node = (id: string) => ({ id, type: "Element", name: id, props: {}, children: [] });

  it("leave the tree when the failing step is edited or removed, not for other changes", () => {
    expect(touchesFailure(undefined, delta({ upserts: [node("s1")] }))).toBe(false);
    expect(touchesFailure(step, delta({ upserts: [node("s1")] }))).toBe(true);
    expect(touchesFailure(step, delta({ removed: ["s1"] }))).toBe(true);
    expect(touchesFailure(step, delta({ reload: true }))).toBe(true);
    expect(touchesFailure(step, delta({ upserts: [node("s2")] }))).toBe(false);
    expect(touchesFailure(step, delta({ project: "Q", upserts: [node("s1")] }))).toBe(false);
  });
});

describe("the request history", () => {
  it("classes statuses", () => {
    expect(statusKind({ status: 200 })).toBe("ok");
    expect(statusKind({ status: 302 })).toBe("redirect");
    expect(statusKind({ status: 403 })).toBe("refused");
    expect(statusKind({ status: 504 })).toBe("failed");
    expect(statusKind({ status: 0 })).toBe("left");
    expect(statusKind({ status: 200, aborted: true })).toBe("left");
  });

  it("shows times of day with milliseconds", () => {
    expect(timeOfDay(new Date(2024, 0, 2, 3, 4, 5, 6).getTime())).toBe("03:04:05.006");
  });
});
