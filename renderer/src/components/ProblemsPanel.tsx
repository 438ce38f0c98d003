import { useState } from "react";
import { focusField } from "../focus-field.ts";
import { countBySeverity, type Problem, type Severity } from "../problems-model.ts";
import { useProblemList } from "../problems-store.ts";
import "./design-safety.css";

/**
 * The problems of the workspace, as you type (problems-model.ts, kept by problems-store.ts): the
 * validator's issues, JavaScript that does not parse, references to nothing, values not saved,
 * broken files and projects, sequences with an empty response.
 */
export function useProblems(): Problem[] {
  return useProblemList((s) => s.problems);
}

/** The count shown on the Problems tab (errors, else warnings). */
export function ProblemsBadge() {
  const counts = countBySeverity(useProblems());
  const n = counts.error || counts.warning;
  if (!n) return null;
  const sev = counts.error ? "error" : "warning";
  return (
    <span className={`badge ${sev}`} aria-label={`${n} ${sev}${n > 1 ? "s" : ""}`}>
      {n}
    </span>
  );
}

const ICON: Record<Severity, string> = { error: "⛔", warning: "⚠", info: "ℹ" };
const KIND: Record<Problem["kind"], string> = {
  value: "value",
  syntax: "JavaScript",
  reference: "reference",
  file: "file",
  project: "project",
  unsaved: "not saved",
  output: "response",
  object: "object",
  binding: "binding",
};

/** The Problems tab: one row per problem; a click selects the object and focuses the field. */
export function ProblemsPanel() {
  const problems = useProblems();
  const [filter, setFilter] = useState<"all" | Severity>("all");
  const [text, setText] = useState("");
  const counts = countBySeverity(problems);
  const shown = problems.filter(
    (p) =>
      (filter === "all" || p.severity === filter) &&
      (!text || `${p.path.join(" ")} ${p.message}`.toLowerCase().includes(text.toLowerCase())),
  );
  return (
    <div className="problems">
      <div className="problems-bar">
        <span role="status" aria-live="polite">
          {counts.error} error{counts.error === 1 ? "" : "s"}, {counts.warning} warning{counts.warning === 1 ? "" : "s"}
          {counts.info ? `, ${counts.info} note${counts.info === 1 ? "" : "s"}` : ""}
        </span>
        <select aria-label="Show" value={filter} onChange={(e) => setFilter(e.target.value as typeof filter)}>
          <option value="all">all</option>
          <option value="error">errors</option>
          <option value="warning">warnings</option>
          <option value="info">notes</option>
        </select>
        <input
          type="search"
          aria-label="Filter the problems"
          placeholder="Filter"
          value={text}
          onChange={(e) => setText(e.target.value)}
        />
      </div>
      {problems.length === 0 ? (
        <p className="hint">
          No problems: every value is valid, every reference names an object, all JavaScript parses.
        </p>
      ) : (
        <ul className="problem-list" aria-label="Problems">
          {shown.map((p) => (
            <li key={p.key} className={`problem ${p.severity}`}>
              <button
                type="button"
                className="problem-row"
                aria-label={`${p.severity}: ${p.path.join(" › ")}: ${p.message}`}
                disabled={!p.id}
                title={p.id ? "Select the object and go to the field" : undefined}
                onClick={() => p.id && focusField(p.project, p.id, p.prop, p.at)}
              >
                <span className="problem-icon" aria-hidden="true">
                  {ICON[p.severity]}
                </span>
                <span className="problem-message">{p.message}</span>
                <span className="problem-where">
                  {p.path.join(" › ")}
                  {p.prop && p.prop !== "name" ? ` · ${p.prop}` : ""}
                  {p.at ? ` · line ${p.at.line}` : ""}
                </span>
                <span className="problem-kind">{KIND[p.kind]}</span>
                {p.file && (
                  <span className="problem-file" title="Where it is written">
                    {p.file}
                    {p.line ? `:${p.line}` : ""}
                  </span>
                )}
              </button>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
