import { describe, expect, it } from "vitest";
import { subsetDifferences } from "./subset.ts";

describe("subset matching of test cases", () => {
  it("accepts extra keys in the actual output", () => {
    expect(subsetDifferences({ a: 1 }, { a: 1, b: 2 })).toEqual([]);
    expect(subsetDifferences({ o: { x: 1 } }, { o: { x: 1, y: 2 } })).toEqual([]);
  });
  it("compares arrays item by item, with their length", () => {
    expect(
      subsetDifferences(
        [{ id: 1 }, { id: 2 }],
        [
          { id: 1, n: "a" },
          { id: 2, n: "b" },
        ],
      ),
    ).toEqual([]);
    expect(subsetDifferences([1, 2], [1, 2, 3])).toEqual([
      { path: "$", expected: 2, actual: 3, message: "expected 2 items, got 3" },
    ]);
  });
  it("reports every difference with its path", () => {
    expect(subsetDifferences({ a: 1, b: { c: "x" }, "odd key": true }, { a: 2, b: {} })).toEqual([
      { path: "$.a", expected: 1, actual: 2, message: "expected 1, got 2" },
      { path: "$.b.c", expected: "x", actual: undefined, message: "missing" },
      { path: '$["odd key"]', expected: true, actual: undefined, message: "missing" },
    ]);
    expect(subsetDifferences({ a: 1 }, [1])[0]?.message).toBe("expected an object, got [1]");
  });
});
