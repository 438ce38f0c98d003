import { describe, expect, it } from "vitest";
import {
  CRON_PRESETS,
  describeCron,
  durationText,
  inputsText,
  isTimezone,
  nextRuns,
  rowsToInputs,
  runText,
  whenInZone,
} from "./jobs-model.ts";

describe("describeCron", () => {
  it.each([
    ["* * * * * *", "every second"],
    ["*/30 * * * * *", "every 30 seconds"],
    ["15 * * * * *", "every minute at second 15"],
    ["* * * * *", "every minute"],
    ["*/5 * * * *", "every 5 minutes"],
    ["0 * * * *", "every hour at :00"],
    ["0,30 * * * *", "every hour at :00 and :30"],
    ["0 */2 * * *", "every 2 hours at :00"],
    ["0 9 * * *", "at 09:00, every day"],
    ["30 8,17 * * *", "at 08:30 and 17:30, every day"],
    ["0 9 * * 1-5", "at 09:00, Monday to Friday"],
    ["0 9 * * MON-FRI", "at 09:00, Monday to Friday"],
    ["0 10 * * 6,0", "at 10:00, on Saturday and Sunday"],
    ["0 10 * * 7", "at 10:00, on Sunday"],
    ["0 0 1 * *", "at 00:00, on day 1 of the month"],
    ["0 0 1,15 * *", "at 00:00, on days 1 and 15 of the month"],
    ["0 0 L * *", "at 00:00, on the last day of the month"],
    ["0 0 1 1 *", "at 00:00, on day 1 of the month, in January"],
    ["0 0 1 * 1", "at 00:00, on day 1 of the month or on Monday"],
    ["0 0 9-17 * * 1-5", "every hour at :00 from 09:00 to 17:59, Monday to Friday"],
    ["30 0 9 * * *", "at 09:00:30, every day"],
  ])("%s → %s", (expr, words) => {
    expect(describeCron(expr)).toBe(words);
  });

  it("says nothing it cannot say shortly or correctly", () => {
    for (const expr of ["", "every minute", "* * * * * * *", "61 * * * *", "0 9 * * 1#2", "*/7 1-3 * * *"])
      expect(describeCron(expr), expr).toBeUndefined();
  });

  it("has words for every preset", () => {
    for (const p of CRON_PRESETS) expect(describeCron(p.cron), p.cron).toBeDefined();
  });
});

describe("nextRuns", () => {
  const from = new Date("2025-03-28T12:00:00Z"); // a Friday
  it("lists the next times in the job's time zone", () => {
    const r = nextRuns("0 9 * * 1-5", "Europe/Paris", 3, from);
    expect("runs" in r && r.runs.map((d) => d.toISOString())).toEqual([
      "2025-03-31T07:00:00.000Z", // Monday 09:00 in Paris, summer time from the 30th
      "2025-04-01T07:00:00.000Z",
      "2025-04-02T07:00:00.000Z",
    ]);
  });
  it("says why an expression is refused", () => {
    expect(nextRuns("", "UTC")).toEqual({ error: "Give a cron expression" });
    expect(nextRuns("every minute", "UTC")).toEqual({ error: "2 fields: a cron expression has 5 or 6" });
    expect(nextRuns("61 * * * *", "UTC")).toEqual({ error: "Invalid value for minute: 61" });
    expect(nextRuns("0 0 30 2 *", "UTC")).toEqual({ error: "It never matches a date (such as the 30th of February)" });
  });
});

describe("dates, durations and runs in words", () => {
  it("shows a time as its wall time in a time zone", () => {
    const at = "2025-03-31T07:00:00.000Z";
    const now = new Date("2025-01-01T00:00:00Z");
    expect(whenInZone(at, "Europe/Paris", now)).toMatch(/09:00:00/);
    expect(whenInZone(at, "America/New_York", now)).toMatch(/03:00:00/);
    expect(whenInZone(at, "UTC", new Date("2030-01-01T00:00:00Z"))).toMatch(/2025/);
    expect(whenInZone(undefined, "UTC")).toBe("");
  });
  it("checks time zone names", () => {
    expect(isTimezone("Europe/Paris")).toBe(true);
    expect(isTimezone("Mars/Olympus")).toBe(false);
    expect(isTimezone("")).toBe(false);
  });
  it("says durations and runs", () => {
    expect(durationText(12)).toBe("12 ms");
    expect(durationText(1500)).toBe("1.5 s");
    expect(durationText(125_000)).toBe("2 min 5 s");
    expect(runText({ job: "j", at: "", durationMs: 3, ok: true })).toEqual({ state: "ok", text: "ok in 3 ms" });
    expect(runText({ job: "j", at: "", durationMs: 7, ok: false, error: "42: Deliberate failure" })).toEqual({
      state: "failed",
      text: "failed after 7 ms: 42: Deliberate failure",
    });
    expect(
      runText({ job: "j", at: "", durationMs: 0, ok: false, skipped: "the previous run was still running" }),
    ).toMatchObject({ state: "skipped" });
  });
});

describe("inputs rows", () => {
  it("keeps named rows with a value; an empty value leaves the default", () => {
    expect(
      rowsToInputs([
        { name: "name", value: "Ada" },
        { name: "greeting", value: "" },
        { name: "", value: "" },
      ]),
    ).toEqual({ inputs: { name: "Ada" } });
  });
  it("names what is wrong", () => {
    expect(rowsToInputs([{ name: "", value: "x" }]).problem).toBe('The value "x" has no name');
    expect(
      rowsToInputs([
        { name: "a", value: "1" },
        { name: " a", value: "2" },
      ]).problem,
    ).toBe('The input "a" is given twice');
  });
  it("shows a job's inputs shortly", () => {
    expect(inputsText({ name: "Ada", long: "x".repeat(50) })).toBe(`name=Ada long=${"x".repeat(39)}…`);
  });
});
