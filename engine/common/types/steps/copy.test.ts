import { describe, expect, it } from "vitest";
import { runSteps } from "../../../node/testing/harness.ts";

// Shapes of Convertigo's corpus: a call's answer copied whole, by members, or only when present.
const answer = { type: "Element", name: "answer", value: { id: "u1", login: "ada", error: { code: 7 } } };

describe("Copy step", () => {
  it("copies a value under its name, and nothing when the source names nothing", async () => {
    // BankingDemo GetAccountDetails: Copy ./document/object/error under IfExist (absent: nothing).
    const r = await runSteps([
      answer,
      { type: "Copy", name: "error", source: { step: "Main-0-answer", path: "error" } },
      { type: "Copy", name: "missing", source: { step: "Main-0-answer", path: "nope" } },
      // A Copy whose source could not be imported copies nothing (not a null).
      { type: "Copy", name: "unset" },
    ]);
    expect(r.error).toBeUndefined();
    expect(r.output).toEqual({ answer: answer.value, error: { code: 7 } });
  });

  it("copies an object's members under their own names, leaving out the excepted ones", async () => {
    // lib_BaseRow: Copy ./document/object/* and ./document/*[not(self::error)].
    const r = await runSteps([
      { ...answer, output: false },
      { type: "Copy", name: "all", source: { step: "Main-0-answer" }, members: true },
      {
        type: "JsonObject",
        name: "ok",
        children: [{ type: "Copy", name: "rest", source: { step: "Main-0-answer" }, members: true, except: ["error"] }],
      },
    ]);
    expect(r.error).toBeUndefined();
    expect(r.output).toEqual({
      id: "u1",
      login: "ada",
      error: { code: 7 },
      ok: { id: "u1", login: "ada" },
    });
  });

  it("appends an array's items to an enclosing array", async () => {
    // lib_BaseRow TableGetData: a complex "structure" typed array holding Copy ./document/array/*.
    const r = await runSteps([
      { type: "Element", name: "fields", value: [{ name: "a" }, { name: "b" }], output: false },
      {
        type: "JsonArray",
        name: "structure",
        children: [{ type: "Copy", name: "item", source: { step: "Main-0-fields" }, members: true }],
      },
    ]);
    expect(r.output).toEqual({ structure: [{ name: "a" }, { name: "b" }] });
  });

  it("kept out of the response (output: false), still gives the value to sources", async () => {
    const r = await runSteps([
      { ...answer, output: false },
      { type: "Copy", name: "login", source: { step: "Main-0-answer", path: "login" }, output: false },
      { type: "Element", name: "who", source: { step: "Main-1-login" } },
    ]);
    expect(r.output).toEqual({ who: "ada" });
  });

  it("copies each value of a name written several times, as Convertigo copies each element", async () => {
    // ResolveConflicts OnUpdate: "conflict" objects built in a loop, copied into a typed array.
    const r = await runSteps([
      {
        type: "JsonObject",
        name: "complex",
        output: false,
        children: [
          { type: "Element", name: "conflict", value: { rev: "2-a" } },
          { type: "Element", name: "conflict", value: { rev: "2-b" } },
        ],
      },
      {
        type: "JsonArray",
        name: "conflicts",
        children: [{ type: "Copy", name: "conflict", source: { step: "Main-0-complex", path: "conflict" } }],
      },
    ]);
    expect(r.error).toBeUndefined();
    expect(r.output).toEqual({ conflicts: [{ rev: "2-a" }, { rev: "2-b" }] });
  });
});
