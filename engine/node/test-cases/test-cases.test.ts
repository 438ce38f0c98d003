import { describe, expect, it } from "vitest";
import { testWorkspace } from "../testing/harness.ts";
import { runProjectTests } from "./test-cases.ts";

describe("test cases", () => {
  it("run through the engine's runner: a passing case, a failing one with its differences, an expected error", async () => {
    const ws = await testWorkspace({
      sequences: [
        {
          type: "Sequence",
          name: "Greet",
          children: [
            { type: "Variable", name: "who" },
            { type: "Element", name: "greeting", expression: "'Hi ' + who" },
            { type: "TestCase", name: "ada", inputs: { who: "Ada" }, expected: { greeting: "Hi Ada" } },
            { type: "TestCase", name: "wrong", inputs: { who: "Bob" }, expected: { greeting: "Hi Ada" } },
          ],
        },
        {
          type: "Sequence",
          name: "Fail",
          children: [
            { type: "Error", name: "e", code: "7", message: "no" },
            { type: "TestCase", name: "fails", expected: { error: { code: 7 } } },
          ],
        },
      ],
    });
    try {
      const results = await runProjectTests(ws.engine.runner, "P");
      expect(results.map((r) => [r.requestable, r.testCase, r.ok])).toEqual([
        ["Fail", "fails", true],
        ["Greet", "ada", true],
        ["Greet", "wrong", false],
      ]);
      expect(results[2]?.differences[0]).toMatchObject({ path: "$.greeting", expected: "Hi Ada", actual: "Hi Bob" });
      await expect(runProjectTests(ws.engine.runner, "Nope")).rejects.toThrow('There is no project named "Nope"');
    } finally {
      await ws.close();
    }
  });
});
