import { describe, expect, it } from "vitest";
import type { DeployedProject } from "../../engine/common/admin/routes.ts";
import type { StudioDeploy } from "../../engine/common/studio/routes.ts";
import {
  advanceStep,
  auditText,
  conflictOf,
  deployEnded,
  deploySteps,
  expiryText,
  previousVersion,
  problemLines,
  rollbackChoices,
  scopeText,
  stepStates,
} from "./deploy-model.ts";

const base: StudioDeploy = {
  id: "d1",
  project: "Demo",
  target: "t1",
  step: "checking",
  startedAt: "2026-12-01T10:00:00Z",
};

describe("deploy steps", () => {
  it("shows the test step only when the test cases run first", () => {
    expect(deploySteps(false).map((s) => s.step)).not.toContain("testing");
    expect(deploySteps(true).map((s) => s.step)).toContain("testing");
  });

  it("follows the engine's steps forward, the server's checking after the upload, never back", () => {
    const steps = deploySteps(false);
    let at = advanceStep(steps, 0, "checking");
    expect(steps[at]!.label).toBe("Checking the project");
    for (const s of ["building", "uploading", "received", "checking"]) at = advanceStep(steps, at, s);
    expect(steps[at]!.label).toBe("Checked by the server");
    expect(advanceStep(steps, at, "building")).toBe(at);
    expect(advanceStep(steps, at, "something new")).toBe(at);
    expect(steps[advanceStep(steps, at, "done")]!.step).toBe("done");
  });

  it("marks the steps passed, the current one, and a failure on the last row (not on a step it may not have seen)", () => {
    expect(stepStates(4, 1)).toEqual(["done", "current", "todo", "todo"]);
    expect(stepStates(4, 1, "failed")).toEqual(["done", "reached", "todo", "failed"]);
    expect(stepStates(3, 0, "done")).toEqual(["done", "done", "done"]);
  });

  it("ends only with an outcome: a server's done or failed phase before the result is not the end", () => {
    expect(deployEnded({ ...base, step: "done" })).toBeUndefined();
    expect(deployEnded({ ...base, step: "failed" })).toBeUndefined();
    const result = { version: 2, url: "http://s/projects/Demo/", digest: "ab", warnings: [], bytes: 10 };
    expect(deployEnded({ ...base, step: "done", result })).toBe("done");
    expect(
      deployEnded({ ...base, step: "failed", error: { status: 422, code: "invalid_project", message: "x" } }),
    ).toBe("failed");
  });
});

describe("errors of a deploy", () => {
  it("reads a conflict's who and when", () => {
    const error = {
      status: 409,
      code: "conflict",
      message: "Demo is at version 3 ... --force",
      details: { current: 3, deployedBy: "bob", at: "2026-12-01T09:00:00Z" },
    };
    expect(conflictOf(error)).toEqual({ current: 3, deployedBy: "bob", at: "2026-12-01T09:00:00Z" });
    expect(conflictOf({ ...error, code: "already_serving" })).toBeUndefined();
    expect(conflictOf(undefined)).toBeUndefined();
  });

  it("lists a project's problems and the test cases that failed", () => {
    expect(
      problemLines({ status: 422, code: "invalid_project", message: "", details: { problems: ["a.yaml:3: bad"] } }),
    ).toEqual(["a.yaml:3: bad"]);
    expect(
      problemLines({
        status: 422,
        code: "tests_failed",
        message: "",
        details: { failed: [{ requestable: "Greet", testCase: "Case1", differences: [{}, {}] }] },
      }),
    ).toEqual(["Greet › Case1 failed (2 differences)"]);
    expect(problemLines({ status: 502, code: "unreachable", message: "" })).toEqual([]);
  });
});

describe("targets and versions in words", () => {
  it("says a PSC's scope and expiry", () => {
    expect(scopeText(["*"])).toBe("all projects");
    expect(scopeText(["A", "B"])).toBe("A, B");
    const now = Date.parse("2026-12-01T00:00:00Z");
    expect(expiryText({ expires: "2026-12-11T00:00:00Z" }, now)).toMatch(/in 10 days/);
    expect(expiryText({ expires: "2026-11-01T00:00:00Z" }, now)).toMatch(/^expired on /);
    expect(expiryText({}, now)).toBe("no expiry");
  });

  it("offers every kept version but the current one, the previous first when there is one", () => {
    const v = (version: number) => ({
      version,
      digest: "",
      deployedBy: "ada",
      via: "psc",
      from: "127.0.0.1",
      at: "",
      files: 1,
      bytes: 1,
    });
    const p: DeployedProject = { project: "Demo", current: 2, versions: [v(1), v(2), v(3)] };
    expect(rollbackChoices(p)).toEqual([3, 1]);
    expect(previousVersion(p)).toBe(1);
    expect(previousVersion({ ...p, current: 1 })).toBeUndefined();
  });

  it("writes an audit record as a line", () => {
    const a = auditText({
      at: "2026-12-01T10:00:00Z",
      user: "ada",
      action: "deploy",
      project: "Demo",
      version: 2,
      ok: true,
    });
    expect(a.text).toBe("ada deploy Demo v2");
    expect(a.ok).toBe(true);
    expect(auditText({ user: "eve", action: "login", ok: false, from: "10.0.0.9" })).toMatchObject({
      text: "eve login from 10.0.0.9",
      ok: false,
    });
  });
});
