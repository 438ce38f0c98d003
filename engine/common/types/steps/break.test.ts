import { describe, expect, it } from "vitest";
import { runSteps } from "../../../node/testing/harness.ts";

describe("Break step", () => {
  // lib_BaseRow's TableDeleteAllRows: While(true) { read a page; If (ids.length == 0) Break; ... }.
  it("ends a While whose condition stays true, skipping the rest of the turn", async () => {
    const r = await runSteps(
      [
        { type: "SequenceJS", name: "init", code: "var pages = [[1, 2], [3], []]; var page = 0; var deleted = [];" },
        {
          type: "While",
          name: "jWhile",
          condition: "true",
          maxIterations: 10,
          children: [
            { type: "SequenceJS", name: "ids", code: "var ids = pages[page++];" },
            { type: "If", name: "jIf", condition: "ids.length == 0", children: [{ type: "Break", name: "jBreak" }] },
            { type: "SequenceJS", name: "body", code: "deleted = deleted.concat(ids);" },
          ],
        },
        { type: "Element", name: "deleted", expression: "deleted" },
        { type: "Element", name: "pages", expression: "page" },
      ],
      {},
    );
    expect(r.error).toBeUndefined();
    expect(r.output).toEqual({ deleted: [1, 2, 3], pages: 3 });
  });

  it("ends only the innermost loop", async () => {
    const r = await runSteps([
      {
        type: "Iterator",
        name: "outer",
        expression: '["a", "b"]',
        itemName: "o",
        children: [
          {
            type: "Iterator",
            name: "inner",
            expression: "[1, 2, 3]",
            children: [
              { type: "If", name: "stop", condition: "item == 2", children: [{ type: "Break", name: "brk" }] },
              { type: "Element", name: "seen", expression: "o + item" },
            ],
          },
        ],
      },
    ]);
    expect(r.output).toEqual({ seen: ["a1", "b1"] });
  });

  it("does nothing outside a loop (a called sequence's Break never ends its caller's loop)", async () => {
    const r = await runSteps(
      [
        { type: "Break", name: "alone" },
        {
          type: "Iterator",
          name: "each",
          expression: "[1, 2]",
          children: [
            { type: "CallSequence", name: "call", sequence: "Sub" },
            { type: "Element", name: "turn", expression: "item" },
          ],
        },
      ],
      {},
      { sequences: [{ type: "Sequence", name: "Sub", children: [{ type: "Break", name: "inSub" }] }] },
    );
    expect(r.error).toBeUndefined();
    expect(r.output).toEqual({ turn: [1, 2] });
  });
});
