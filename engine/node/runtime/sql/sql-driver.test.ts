import { describe, expect, it } from "vitest";
import { jsonValue, openAfter } from "./sql-driver.ts";

const st = (...texts: string[]) => texts.map((text) => ({ text, params: [] }));

describe("openAfter", () => {
  it("follows what the statements say of the transaction", () => {
    expect(openAfter(false, st("BEGIN", "INSERT INTO t VALUES (1)"), { results: [] })).toBe(true);
    expect(openAfter(false, st("start transaction"), { results: [] })).toBe(true);
    expect(openAfter(true, st("UPDATE t SET a = 1"), { results: [] })).toBe(true);
    expect(openAfter(true, st("COMMIT"), { results: [] })).toBe(false);
    expect(openAfter(true, st("END"), { results: [] })).toBe(false);
    expect(openAfter(true, st("ROLLBACK"), { results: [] })).toBe(false);
    expect(openAfter(true, st("ROLLBACK TO SAVEPOINT s"), { results: [] })).toBe(true);
    expect(openAfter(false, st("BEGIN", "COMMIT"), { results: [] })).toBe(false);
    // A trigger's BEGIN opens nothing.
    expect(openAfter(false, st("CREATE TRIGGER x AFTER INSERT ON t BEGIN SELECT 1; END"), { results: [] })).toBe(false);
  });

  it("a failure closed it (the drivers roll back)", () => {
    expect(openAfter(true, st("INSERT"), { results: [], failure: { kind: "query", message: "no" } })).toBe(false);
  });
});

describe("jsonValue", () => {
  it("makes column values JSON", () => {
    expect(jsonValue(new Date("2026-01-02T03:04:05Z"))).toBe("2026-01-02T03:04:05.000Z");
    expect(jsonValue(new Uint8Array([1, 2, 3]))).toBe("AQID");
    expect(jsonValue(12n)).toBe(12);
    expect(jsonValue(2n ** 64n)).toBe("18446744073709551616");
    expect(jsonValue("x")).toBe("x");
  });
});
