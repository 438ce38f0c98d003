import { useEffect, useMemo, useRef, useState } from "react";
import type { TraceEntry } from "../../../engine/common/model/trace.ts";
import { findInWorkspace, runTests, select, useStudio, type BottomTab } from "../store.ts";
import { JobsPanel } from "./JobsPanel.tsx";
import { JsonView } from "./JsonView.tsx";
import { ProblemsBadge, ProblemsPanel } from "./ProblemsPanel.tsx";
import { RequestsPanel } from "./RequestsPanel.tsx";
import { ServersView } from "./ServersView.tsx";

const LEVEL_ORDER = { debug: 0, info: 1, warn: 2, error: 3 } as const;
const order = LEVEL_ORDER;

const TABS: { id: BottomTab; label: string }[] = [
  { id: "trace", label: "Trace" },
  { id: "tests", label: "Test cases" },
  { id: "problems", label: "Problems" },
  { id: "find", label: "Find" },
  { id: "console", label: "Console" },
  { id: "requests", label: "Requests" },
  { id: "jobs", label: "Jobs" },
  { id: "servers", label: "Servers" },
];

/**
 * The bottom panel: run trace, test results, search results, engine console, the workspace's
 * scheduled jobs, the servers deployed to.
 */
export function BottomPanel() {
  const tab = useStudio((s) => s.bottomTab);
  return (
    <section className="bottom-panel" aria-label="Panels">
      <div className="tabs" role="tablist" aria-label="Panels">
        {TABS.map((t) => (
          <button
            key={t.id}
            type="button"
            role="tab"
            id={`tab-${t.id}`}
            aria-selected={tab === t.id}
            aria-controls={`panel-${t.id}`}
            className={tab === t.id ? "active" : ""}
            data-testid={`tab-${t.id}`}
            onClick={() => useStudio.setState({ bottomTab: t.id })}
          >
            {t.label}
            {t.id === "problems" && <ProblemsBadge />}
          </button>
        ))}
      </div>
      <div className="tab-body" role="tabpanel" id={`panel-${tab}`} aria-labelledby={`tab-${tab}`}>
        {tab === "trace" && <TracePanel />}
        {tab === "console" && <ConsolePanel />}
        {tab === "find" && <FindPanel />}
        {tab === "tests" && <TestsPanel />}
        {tab === "problems" && <ProblemsPanel />}
        {tab === "jobs" && <JobsPanel />}
        {tab === "servers" && <ServersView />}
        {tab === "requests" && (
          <RequestsPanel renderTrace={(trace) => <TraceTable trace={trace} label="Request trace" />} />
        )}
      </div>
    </section>
  );
}

function TracePanel() {
  const run = useStudio((s) => s.run);
  if (run.trace.length === 0) return <p className="hint">Run a sequence: each step it executes appears here.</p>;
  return <TraceTable trace={run.trace} />;
}

/** A run's trace: a row per step, opened to its inputs and output (the Trace and Requests tabs). */
function TraceTable({ trace, label = "Trace" }: { trace: TraceEntry[]; label?: string }) {
  const [open, setOpen] = useState<number>();
  return (
    <table className="trace" aria-label={label}>
      <thead>
        <tr>
          <th>Step</th>
          <th>Type</th>
          <th>Status</th>
          <th className="num">Duration</th>
        </tr>
      </thead>
      <tbody>
        {trace.map((e: TraceEntry) => (
          <TraceRow
            key={e.seq}
            entry={e}
            open={open === e.seq}
            onToggle={() => setOpen(open === e.seq ? undefined : e.seq)}
          />
        ))}
      </tbody>
    </table>
  );
}

function TraceRow({ entry, open, onToggle }: { entry: TraceEntry; open: boolean; onToggle: () => void }) {
  return (
    <>
      <tr className={`trace-row ${entry.status}`} aria-label={`Trace ${entry.name}`}>
        <td style={{ paddingLeft: 6 + entry.depth * 14 }}>
          <button type="button" className="link" aria-expanded={open} onClick={onToggle}>
            {open ? "▾" : "▸"}
          </button>{" "}
          <button
            type="button"
            className="link"
            onClick={() => {
              if (useStudio.getState().projects[entry.project]?.nodes.has(entry.id))
                select({ project: entry.project, id: entry.id }, { reveal: true });
            }}
          >
            {entry.name}
          </button>
        </td>
        <td>{entry.type}</td>
        <td>{entry.status === "error" ? `error: ${entry.error?.message ?? ""}` : entry.status}</td>
        <td className="num">{entry.durationMs !== undefined ? `${entry.durationMs} ms` : ""}</td>
      </tr>
      {open && (
        <tr className="trace-detail">
          <td colSpan={4}>
            <div className="trace-io">
              <div>
                <h5>Inputs</h5>
                <JsonView value={entry.inputs ?? {}} label={`Inputs of ${entry.name}`} />
              </div>
              <div>
                <h5>Output</h5>
                {entry.output === undefined ? (
                  <span className="hint">none</span>
                ) : (
                  <JsonView value={entry.output} label={`Output of ${entry.name}`} />
                )}
              </div>
            </div>
          </td>
        </tr>
      )}
    </>
  );
}

function ConsolePanel() {
  const log = useStudio((s) => s.log);
  const projects = useStudio((s) => s.workspace?.projects);
  const [level, setLevel] = useState("info");
  const [project, setProject] = useState("");
  const [text, setText] = useState("");
  const box = useRef<HTMLDivElement>(null);
  const shown = useMemo(
    () =>
      log.filter(
        (r) =>
          order[r.level] >= order[level as keyof typeof order] &&
          (!project || r.project === project) &&
          (!text || r.message.toLowerCase().includes(text.toLowerCase())),
      ),
    [log, level, project, text],
  );
  useEffect(() => {
    const el = box.current;
    if (el && el.scrollHeight - el.scrollTop - el.clientHeight < 60) el.scrollTop = el.scrollHeight;
  }, [shown]);
  return (
    <div className="console">
      <div className="console-filters">
        <label>
          Level{" "}
          <select value={level} onChange={(e) => setLevel(e.target.value)}>
            <option value="debug">debug</option>
            <option value="info">info</option>
            <option value="warn">warn</option>
            <option value="error">error</option>
          </select>
        </label>
        <label>
          Project{" "}
          <select value={project} onChange={(e) => setProject(e.target.value)}>
            <option value="">all</option>
            {(projects ?? []).map((p) => (
              <option key={p.name} value={p.name}>
                {p.name}
              </option>
            ))}
          </select>
        </label>
        <input
          type="search"
          aria-label="Filter the console"
          placeholder="Filter"
          value={text}
          onChange={(e) => setText(e.target.value)}
        />
        <button type="button" onClick={() => useStudio.setState({ log: [] })}>
          Clear
        </button>
      </div>
      <div className="console-lines" ref={box} role="log" aria-label="Engine log">
        {shown.map((r) => (
          <div key={r.seq} className={`log-line ${r.level}`}>
            <span className="log-time">{new Date(r.at).toLocaleTimeString()}</span>
            <span className="log-level">{r.level}</span>
            {r.project && <span className="log-project">{r.project}</span>}
            <span className="log-msg">{r.message}</span>
          </div>
        ))}
      </div>
    </div>
  );
}

function FindPanel() {
  const found = useStudio((s) => s.findResults);
  const [q, setQ] = useState(found?.query ?? "");
  const [where, setWhere] = useState("");
  const focusFind = useStudio((s) => s.focusFind);
  const box = useRef<HTMLInputElement>(null);
  useEffect(() => {
    box.current?.focus();
    box.current?.select();
  }, [focusFind]);
  return (
    <div className="find">
      <form
        className="find-form"
        onSubmit={(e) => {
          e.preventDefault();
          void findInWorkspace(q, where ? { in: [where] } : {});
        }}
      >
        <input
          ref={box}
          type="search"
          aria-label="Find in the workspace"
          placeholder="Find in the workspace (Ctrl+Shift+F)"
          value={q}
          onChange={(e) => setQ(e.target.value)}
        />
        <select aria-label="Search in" value={where} onChange={(e) => setWhere(e.target.value)}>
          <option value="">names, types and values</option>
          <option value="name">names</option>
          <option value="type">types</option>
          <option value="value">property values</option>
        </select>
        <button type="submit">Find</button>
      </form>
      {found && (
        <>
          <div className="find-title">
            {found.title}: {found.results.length}
            {found.truncated ? "+" : ""} found
          </div>
          <ul className="find-results" aria-label="Results">
            {found.results.map((r) => (
              <li key={`${r.project}/${r.id}/${r.field}`}>
                <button
                  type="button"
                  className="link"
                  onClick={() => select({ project: r.project, id: r.id }, { reveal: true })}
                >
                  {r.path.join(" › ")}
                </button>{" "}
                <span className="find-field">{r.field}</span> <span className="find-excerpt">{r.excerpt}</span>
              </li>
            ))}
          </ul>
        </>
      )}
    </div>
  );
}

function TestsPanel() {
  const results = useStudio((s) => s.testResults);
  const running = useStudio((s) => s.testsRunning);
  const selection = useStudio((s) => s.selection);
  const project = selection?.project ?? useStudio.getState().workspace?.projects[0]?.name;
  return (
    <div className="tests">
      <div className="tests-bar">
        <button type="button" disabled={!project || running} onClick={() => project && void runTests(project)}>
          Run all test cases{project ? ` of ${project}` : ""}
        </button>
        {running && <span>Running…</span>}
        {results && !running && (
          <span role="status">
            {results.results.filter((r) => r.ok).length} passed, {results.results.filter((r) => !r.ok).length} failed
          </span>
        )}
      </div>
      {results && (
        <ul className="test-results" aria-label="Test results">
          {results.results.map((r) => (
            <li
              key={r.id}
              className={r.ok ? "pass" : "fail"}
              aria-label={`${r.testCase} ${r.ok ? "passed" : "failed"}`}
            >
              <span className="verdict">{r.ok ? "✔ pass" : "✘ fail"}</span>{" "}
              <button
                type="button"
                className="link"
                onClick={() => select({ project: results.project, id: r.id }, { reveal: true })}
              >
                {r.requestable} › {r.testCase}
              </button>{" "}
              <span className="hint">{r.durationMs} ms</span>
              {r.problem && <div className="hint">{r.problem}</div>}
              {!r.ok && r.differences.length > 0 && (
                <table className="diff" aria-label={`Differences of ${r.testCase}`}>
                  <thead>
                    <tr>
                      <th>Path</th>
                      <th>Expected</th>
                      <th>Actual</th>
                      <th>Why</th>
                    </tr>
                  </thead>
                  <tbody>
                    {r.differences.map((d, i) => (
                      <tr key={i}>
                        <td>{d.path}</td>
                        <td>
                          <code>{JSON.stringify(d.expected)}</code>
                        </td>
                        <td>
                          <code>{JSON.stringify(d.actual)}</code>
                        </td>
                        <td>{d.message}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              )}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
