import type { ObjNode } from "../../common/model/node.ts";
import { getType } from "../../common/model/registry.ts";
import { subsetDifferences, type Difference } from "../../common/testing/subset.ts";
import type { RunnableProject, RunRequest, RunResult } from "../runtime/runner.ts";

/**
 * What runs the test cases: the engine or its runner (anything that runs a request and finds a
 * project by name).
 */
export interface TestCaseHost {
  run(req: RunRequest): Promise<RunResult>;
  project(name: string): RunnableProject | undefined;
}

export interface TestCaseResult {
  /** "Sequence" name, or "Connector.Transaction". */
  requestable: string;
  testCase: string;
  id: string;
  ok: boolean;
  durationMs: number;
  differences: Difference[];
  /** What the run answered: the output, or {error}. */
  actual: unknown;
  /** A problem with the test case itself (no expected output...). */
  problem?: string;
}

/** Every test case of a project: of its sequences, then of its transactions. */
export function listTestCases(project: ObjNode): { owner: ObjNode; connector?: ObjNode; testCase: ObjNode }[] {
  const out: { owner: ObjNode; connector?: ObjNode; testCase: ObjNode }[] = [];
  for (const c of project.children) {
    const cat = getType(c.type)?.category;
    if (cat === "sequence") {
      for (const t of c.children) if (t.type === "TestCase") out.push({ owner: c, testCase: t });
    } else if (cat === "connector") {
      for (const tx of c.children) {
        for (const t of tx.children) if (t.type === "TestCase") out.push({ owner: tx, connector: c, testCase: t });
      }
    }
  }
  return out;
}

/** What a run answered, in the shape test cases compare with. */
export function runAnswer(result: RunResult): unknown {
  if (result.ok) return result.output;
  const { status: _status, step: _step, ...error } = result.error ?? { code: "unknown", message: "unknown error" };
  return { error };
}

/** Runs one test case in a fresh session. */
export async function runTestCase(
  engine: TestCaseHost,
  projectName: string,
  item: { owner: ObjNode; connector?: ObjNode; testCase: ObjNode },
): Promise<TestCaseResult> {
  const { owner, connector, testCase } = item;
  const requestable = connector ? `${connector.name}.${owner.name}` : owner.name;
  const inputs = (testCase.props.inputs ?? {}) as Record<string, unknown>;
  const result = await engine.run({
    project: projectName,
    ...(connector ? { connector: connector.name, transaction: owner.name } : { sequence: owner.name }),
    inputs,
  });
  const actual = runAnswer(result);
  const base = { requestable, testCase: testCase.name, id: testCase.id, durationMs: result.durationMs, actual };
  if (testCase.props.expected === undefined) {
    // Without an expectation, a case passes when the run succeeds (Convertigo's test cases).
    return {
      ...base,
      ok: result.ok,
      differences: result.ok ? [] : [{ path: "$", expected: "a successful run", actual, message: "the run failed" }],
      ...(result.ok ? {} : { problem: "no expected output: the case only checks that the run succeeds" }),
    };
  }
  const differences = subsetDifferences(testCase.props.expected, actual);
  return { ...base, ok: differences.length === 0, differences };
}

/** Runs every test case of a project, one after the other. */
export async function runProjectTests(engine: TestCaseHost, projectName: string): Promise<TestCaseResult[]> {
  const project = engine.project(projectName);
  if (!project) throw new Error(`There is no project named "${projectName}"`);
  const results: TestCaseResult[] = [];
  for (const item of listTestCases(project.root)) results.push(await runTestCase(engine, projectName, item));
  return results;
}
