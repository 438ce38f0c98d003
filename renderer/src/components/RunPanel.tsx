import { useMemo, useState } from "react";
import type { FlatNode } from "../../../engine/common/studio/api.ts";
import { debugCommand, notify, runTests, startRun, useStudio } from "../store.ts";
import { targetOf } from "../run-model.ts";
import { rowsTable } from "../sql-model.ts";
import { enclosingRequestable } from "../tree-model.ts";
import { EndpointSection } from "./EndpointSection.tsx";
import { JsonView } from "./JsonView.tsx";
import { PausedTitle } from "./PausedTitle.tsx";
import { RowsTableView } from "./RowsTableView.tsx";
import { RunProgress } from "./RunProgress.tsx";

/** Turns the texts of the run form into inputs (lists for multi-valued, JSON for json). */
export function formInputs(vars: FlatNode[], texts: Record<string, string>): Record<string, unknown> {
  const inputs: Record<string, unknown> = {};
  for (const v of vars) {
    const text = texts[v.name];
    if (text === undefined || text === "") continue;
    if (v.props.multiValued === true) inputs[v.name] = text.split("\n").filter((x) => x !== "");
    else if (v.props.dataType === "json") {
      try {
        inputs[v.name] = JSON.parse(text);
      } catch {
        inputs[v.name] = text;
      }
    } else inputs[v.name] = text;
  }
  return inputs;
}

function inputText(v: unknown): string {
  if (Array.isArray(v)) return v.map((x) => (typeof x === "string" ? x : JSON.stringify(x))).join("\n");
  return typeof v === "string" ? v : JSON.stringify(v);
}

/** The run panel: a form from the requestable's variables, Run / Debug, output, debugger state. */
export function RunPanel() {
  const selection = useStudio((s) => s.selection);
  const project = useStudio((s) => (s.selection ? s.projects[s.selection.project] : undefined));
  const types = useStudio((s) => s.types);
  const run = useStudio((s) => s.run);
  const runInputs = useStudio((s) => s.runInputs);
  const testsRunning = useStudio((s) => s.testsRunning);
  const req = useMemo(
    () => (project && selection ? enclosingRequestable(project, selection.id, types) : undefined),
    [project, selection, types],
  );
  const active = run.status === "running" || run.status === "paused";

  if (!project || !req) {
    return (
      <section className="run-panel" aria-label="Run">
        <div className="pane-header">
          <span className="pane-title">Run</span>
        </div>
        <p className="hint">Select a sequence or a transaction (or one of its steps) to run it.</p>
        <RunResult />
      </section>
    );
  }
  const formKey = `${project.name}/${req.node.id}`;
  const texts = runInputs[formKey] ?? {};
  const children = req.node.children.map((c) => project.nodes.get(c)).filter((n): n is FlatNode => Boolean(n));
  const vars = children.filter((n) => n.type === "Variable");
  const tests = children.filter((n) => n.type === "TestCase");
  const setText = (name: string, text: string) =>
    useStudio.setState((s) => ({
      runInputs: { ...s.runInputs, [formKey]: { ...(s.runInputs[formKey] ?? {}), [name]: text } },
    }));
  const target = req.connector
    ? { connector: req.connector.name, transaction: req.node.name }
    : { sequence: req.node.name };
  const go = (debug: boolean) =>
    void startRun({ project: project.name, ...target, inputs: formInputs(vars, texts), debug });
  // The result shown is this requestable's: another one's run is cleared from the panel.
  const runHere = active || run.status === "idle" || (run.project === project.name && run.target === targetOf(target));

  return (
    <section className="run-panel" aria-label="Run">
      <div className="pane-header">
        <span className="pane-title" title={`Run ${req.connector ? `${req.connector.name}.` : ""}${req.node.name}`}>
          Run {req.connector ? `${req.connector.name}.` : ""}
          {req.node.name}
        </span>
      </div>
      <EndpointSection
        key={formKey}
        project={project.name}
        node={req.node}
        {...(req.connector ? { connector: req.connector } : {})}
        inputs={formInputs(vars, texts)}
      />
      <form
        className="run-form"
        onSubmit={(e) => {
          e.preventDefault();
          go(false);
        }}
      >
        {tests.length > 0 && (
          <div className="field">
            <label htmlFor="run-preset">Test case inputs</label>
            <select
              id="run-preset"
              value=""
              onChange={(e) => {
                const tc = tests.find((t) => t.id === e.target.value);
                const inputs = (tc?.props.inputs ?? {}) as Record<string, unknown>;
                useStudio.setState((s) => ({
                  runInputs: {
                    ...s.runInputs,
                    [formKey]: Object.fromEntries(Object.entries(inputs).map(([k, v]) => [k, inputText(v)])),
                  },
                }));
              }}
            >
              <option value="">Fill from a test case…</option>
              {tests.map((t) => (
                <option key={t.id} value={t.id}>
                  {t.name}
                </option>
              ))}
            </select>
          </div>
        )}
        {vars.length === 0 && <p className="hint">No variables.</p>}
        {vars.map((v) => {
          const multi = v.props.multiValued === true || v.props.dataType === "json";
          const def = v.props.default;
          const id = `run-var-${v.id}`;
          return (
            <div className="field" key={v.id}>
              <label htmlFor={id}>
                {v.name}
                {v.props.required === true && <span className="required"> *</span>}
              </label>
              {multi ? (
                <textarea
                  id={id}
                  rows={2}
                  value={texts[v.name] ?? ""}
                  placeholder={def !== undefined ? inputText(def) : v.props.multiValued ? "One value per line" : "JSON"}
                  onChange={(e) => setText(v.name, e.target.value)}
                />
              ) : (
                <input
                  id={id}
                  value={texts[v.name] ?? ""}
                  placeholder={def !== undefined ? inputText(def) : ""}
                  onChange={(e) => setText(v.name, e.target.value)}
                />
              )}
              {typeof v.props.description === "string" && <div className="help">{v.props.description}</div>}
            </div>
          );
        })}
        <div className="run-buttons" role="toolbar" aria-label="Run controls">
          <button type="submit" className="primary" disabled={active}>
            Run
          </button>
          <button
            type="button"
            disabled={active}
            onClick={() => go(true)}
            title={
              req.connector
                ? "A transaction has no steps to pause at: Debug runs it straight through, as Run does"
                : "Run in the debugger: pauses at breakpoints (F9 on a step, or on a line of JavaScript); without one in this sequence, at its first step"
            }
          >
            Debug
          </button>
          <button type="button" disabled={!active} onClick={() => void debugCommand("stop")}>
            Stop
          </button>
          <button
            type="button"
            disabled={run.status !== "paused"}
            onClick={() => void debugCommand("step")}
            title="Run the next step and pause (F10)"
          >
            Step
          </button>
          <button
            type="button"
            disabled={run.status !== "paused"}
            onClick={() => void debugCommand("continue")}
            title="Go on to the next breakpoint (F8)"
          >
            Continue
          </button>
        </div>
        <div className="run-buttons">
          <button
            type="button"
            onClick={() =>
              useStudio.setState({ dialog: { kind: "save-test", project: project.name, owner: req.node.id } })
            }
          >
            Save test case
          </button>
          <button
            type="button"
            disabled={testsRunning || tests.length === 0}
            onClick={() => void runTests(project.name, [req.node.id])}
          >
            Run test cases
          </button>
        </div>
      </form>
      {runHere && <RunResult />}
    </section>
  );
}

function RunResult() {
  const run = useStudio((s) => s.run);
  // An output holding rows (a SQL transaction's) is shown as a table, or as JSON at will.
  const table = useMemo(() => (run.status === "done" && run.ok ? rowsTable(run.output) : undefined), [run]);
  const [view, setView] = useState<"table" | "json">("table");
  if (run.status === "idle") return null;
  const asTable = table !== undefined && view === "table";
  return (
    <div className="run-result" aria-live="polite">
      {run.status === "paused" && run.paused && (
        <div className="paused-box" role="region" aria-label="Debugger">
          <PausedTitle paused={run.paused} />
          <h4>Variables</h4>
          <JsonView value={run.paused.scope.variables ?? {}} label="Variables in scope" />
          <h4>Step outputs</h4>
          <JsonView value={run.paused.scope.outputs ?? {}} label="Outputs in scope" openDepth={1} />
          <h4>Output so far</h4>
          <JsonView value={run.paused.scope.output ?? {}} label="Output so far" openDepth={1} />
        </div>
      )}
      <RunProgress />
      {run.status === "done" && (
        <div className={`status ${run.ok ? "ok" : "failed"}`} role="status">
          {run.ok ? "✔ Done" : "✘ Failed"} {run.target} {run.durationMs !== undefined ? `in ${run.durationMs} ms` : ""}
        </div>
      )}
      {run.status === "done" && !run.ok && run.error && (
        <div className="run-error-box" role="alert">
          <strong>{String(run.error.code)}</strong>: {run.error.message}
          {run.error.step && (
            <div>
              At step "{run.error.step.name}" ({run.error.step.type})
            </div>
          )}
        </div>
      )}
      {run.status === "done" && run.ok && (
        <div className="output" role="region" aria-label="Output">
          <div className="output-header">
            <h4>Output</h4>
            {table && (
              <span className="view-toggle" role="group" aria-label="Show the output as">
                <button type="button" aria-pressed={asTable} onClick={() => setView("table")}>
                  Table
                </button>
                <button type="button" aria-pressed={!asTable} onClick={() => setView("json")}>
                  JSON
                </button>
              </span>
            )}
            <button
              type="button"
              onClick={() => {
                const text = JSON.stringify(run.output, null, 2);
                void navigator.clipboard?.writeText(text).then(
                  () => notify("Output copied", "info"),
                  () => notify("The browser refused the clipboard"),
                );
              }}
            >
              Copy output
            </button>
          </div>
          {asTable ? (
            <RowsTableView table={table} />
          ) : (
            <JsonView value={run.output} label="Output value" openDepth={3} />
          )}
          <pre className="output-text" data-testid="run-output">
            {JSON.stringify(run.output)}
          </pre>
        </div>
      )}
    </div>
  );
}
