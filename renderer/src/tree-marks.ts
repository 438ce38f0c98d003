/**
 * Marks of the explorer's rows that come from runs: test cases that failed in the last run of
 * the test cases (with why, for the row's tooltip).
 */
import type { TestResult } from "../../engine/common/studio/api.ts";
import { rowKey } from "./tree-model.ts";

/** Row keys of the test cases that failed, with a line saying why. */
export function failedTestMarks(results: { project: string; results: TestResult[] } | undefined): Map<string, string> {
  const out = new Map<string, string>();
  if (!results) return out;
  for (const r of results.results) {
    if (r.ok) continue;
    const why =
      r.problem ??
      (r.differences.length
        ? `${r.differences.length} difference${r.differences.length > 1 ? "s" : ""}: ${r.differences[0]!.message}`
        : "failed");
    out.set(rowKey(results.project, r.id), `Test case ${r.testCase} failed: ${why}`);
  }
  return out;
}
