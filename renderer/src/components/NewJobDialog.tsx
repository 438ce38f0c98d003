import { useMemo, useState } from "react";
import type { FlatNode } from "../../../engine/common/studio/api.ts";
import { api, ApiError } from "../api.ts";
import {
  browserTimezone,
  CRON_PRESETS,
  describeCron,
  isTimezone,
  knownTimezones,
  nextRuns,
  rowsToInputs,
  whenInZone,
  type InputRow,
} from "../jobs-model.ts";
import { notify, showJobs, useStudio, type StudioState } from "../store.ts";
import { Modal } from "./Modal.tsx";

const close = () => useStudio.setState({ dialog: undefined });
const NONE: FlatNode[] = [];

/** The sequences of each project loaded in the Studio, by name. */
function sequencesOf(s: Pick<StudioState, "projects" | "types">, project: string): FlatNode[] {
  const p = s.projects[project];
  if (!p) return NONE;
  return [...p.nodes.values()]
    .filter((n) => s.types.get(n.type)?.category === "sequence")
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** The input rows a sequence suggests: one per variable, empty (its default applies). */
function rowsFor(s: Pick<StudioState, "projects">, project: string, sequence: FlatNode | undefined): InputRow[] {
  const p = s.projects[project];
  if (!p || !sequence) return [];
  return sequence.children
    .map((id) => p.nodes.get(id))
    .filter((n): n is FlatNode => n?.type === "Variable")
    .map((v) => ({ name: v.name, value: "" }));
}

/**
 * The New job form: a sequence of the workspace (project and sequence pickers), a cron expression
 * with its meaning in words and its next runs (the scheduler's parser, in the job's time zone),
 * the time zone (this browser's by default), inputs as name=value rows. The engine checks it all
 * again; its refusal shows here, naming the field.
 */
export function NewJobDialog({
  project: initialProject,
  sequence: initialSequence,
}: {
  project?: string;
  sequence?: string;
}) {
  const workspace = useStudio((s) => s.workspace);
  const projects = useStudio((s) => s.projects);
  const types = useStudio((s) => s.types);
  const withSequences = useMemo(
    () =>
      (workspace?.projects ?? [])
        .map((p) => p.name)
        .filter((name) => sequencesOf({ projects, types }, name).length > 0),
    [workspace, projects, types],
  );
  const [project, setProject] = useState(initialProject ?? withSequences[0] ?? "");
  const sequences = useMemo(() => sequencesOf({ projects, types }, project), [projects, types, project]);
  const [sequence, setSequence] = useState(initialSequence ?? sequences[0]?.name ?? "");
  const seqNode = sequences.find((n) => n.name === sequence);
  const [id, setId] = useState("");
  const [cron, setCron] = useState("0 9 * * 1-5");
  const [timezone, setTimezone] = useState(browserTimezone);
  const [rows, setRows] = useState<InputRow[]>(() => rowsFor(useStudio.getState(), project, seqNode));
  const [paused, setPaused] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<{ message: string; field?: string }>();
  const zones = useMemo(knownTimezones, []);

  const words = describeCron(cron);
  const tzOk = isTimezone(timezone);
  const preview = useMemo(() => nextRuns(cron, tzOk ? timezone.trim() : "UTC", 3), [cron, timezone, tzOk]);
  const inputs = rowsToInputs(rows);
  const variables = useMemo(
    () => rowsFor({ projects }, project, seqNode).map((r) => r.name),
    [projects, project, seqNode],
  );

  const chooseSequence = (p: string, name: string) => {
    setSequence(name);
    const node = sequencesOf({ projects, types }, p).find((n) => n.name === name);
    setRows(rowsFor({ projects }, p, node));
  };
  const setRow = (i: number, row: Partial<InputRow>) =>
    setRows((rs) => rs.map((r, j) => (j === i ? { ...r, ...row } : r)));

  const submit = () => {
    if (busy || !project || !sequence || inputs.problem) return;
    setBusy(true);
    setError(undefined);
    api
      .createJob({
        project,
        sequence,
        cron: cron.trim(),
        timezone: timezone.trim(),
        inputs: inputs.inputs,
        ...(id.trim() ? { id: id.trim() } : {}),
        ...(paused ? { paused } : {}),
      })
      .then((job) => {
        close();
        showJobs(job.id);
        notify(
          `Job ${job.id} created: ${job.paused ? "paused" : `next run ${whenInZone(job.nextRun, job.timezone)} (${job.timezone})`}`,
          "info",
        );
      })
      .catch((e: unknown) => {
        const err = e as ApiError;
        const details = err.details as { field?: string } | undefined;
        setError({ message: err.message, ...(details?.field ? { field: details.field } : {}) });
      })
      .finally(() => setBusy(false));
  };

  return (
    <Modal title="New scheduled job" onSubmit={submit} wide testId="job-form">
      <p className="hint">
        This engine runs the sequence on the schedule while it runs (also <code>atelier serve</code>); each run is
        recorded with its result and duration, and a job never runs twice at once.
      </p>
      <div className="job-form-grid">
        <label htmlFor="job-project">Project</label>
        <select
          id="job-project"
          data-testid="job-project"
          value={project}
          onChange={(e) => {
            setProject(e.target.value);
            chooseSequence(e.target.value, sequencesOf({ projects, types }, e.target.value)[0]?.name ?? "");
          }}
        >
          {!withSequences.includes(project) && <option value={project}>{project || "—"}</option>}
          {withSequences.map((p) => (
            <option key={p} value={p}>
              {p}
            </option>
          ))}
        </select>

        <label htmlFor="job-sequence">Sequence</label>
        <select
          id="job-sequence"
          data-testid="job-sequence"
          value={sequence}
          onChange={(e) => chooseSequence(project, e.target.value)}
        >
          {!sequences.some((n) => n.name === sequence) && <option value={sequence}>{sequence || "—"}</option>}
          {sequences.map((n) => (
            <option key={n.id} value={n.name}>
              {n.name}
              {n.props.accessibility === "Private" ? " (private)" : ""}
            </option>
          ))}
        </select>

        <label htmlFor="job-cron">Schedule (cron)</label>
        <div>
          <div className="with-button">
            <input
              id="job-cron"
              data-testid="job-cron"
              className="mono"
              value={cron}
              spellCheck={false}
              autoComplete="off"
              aria-describedby="job-cron-hint"
              aria-invalid={"error" in preview || error?.field === "cron"}
              onChange={(e) => setCron(e.target.value)}
            />
            <select
              aria-label="Common schedules"
              data-testid="job-cron-preset"
              value=""
              onChange={(e) => e.target.value && setCron(e.target.value)}
            >
              <option value="">Common…</option>
              {CRON_PRESETS.map((p) => (
                <option key={p.cron} value={p.cron}>
                  {p.label}
                </option>
              ))}
            </select>
          </div>
          <div id="job-cron-hint" className="help" data-testid="job-cron-hint">
            {"error" in preview ? (
              <span className="failed">{preview.error}</span>
            ) : (
              <>
                {words && <b>{words}</b>}
                <span data-testid="job-next-runs">
                  {words ? " · " : ""}next:{" "}
                  {preview.runs.map((d) => whenInZone(d, tzOk ? timezone.trim() : "UTC")).join(", ")}
                </span>
              </>
            )}
            <div className="hint">
              5 fields &quot;minute hour day month weekday&quot;, or 6 with seconds first (&quot;*/30 * * * * *&quot;).
            </div>
          </div>
        </div>

        <label htmlFor="job-timezone">Time zone</label>
        <div>
          <input
            id="job-timezone"
            data-testid="job-timezone"
            list="job-timezones"
            value={timezone}
            autoComplete="off"
            aria-invalid={!tzOk || error?.field === "timezone"}
            onChange={(e) => setTimezone(e.target.value)}
          />
          <datalist id="job-timezones">
            {zones.map((z) => (
              <option key={z} value={z} />
            ))}
          </datalist>
          {!tzOk && <div className="help warn">Not a time zone this browser knows (e.g. Europe/Paris, UTC).</div>}
        </div>

        <span className="label">Inputs</span>
        <div className="job-inputs" data-testid="job-inputs">
          {rows.length === 0 && <p className="hint">No input: the sequence runs with its defaults.</p>}
          {rows.map((r, i) => (
            <div key={i} className="job-input-row">
              <input
                aria-label={`Input ${i + 1} name`}
                data-testid={`job-input-name-${i}`}
                list="job-variables"
                placeholder="name"
                value={r.name}
                onChange={(e) => setRow(i, { name: e.target.value })}
              />
              <span>=</span>
              <input
                aria-label={`Input ${i + 1} value`}
                data-testid={`job-input-value-${i}`}
                placeholder={defaultOf(projects, project, seqNode, r.name)}
                value={r.value}
                onChange={(e) => setRow(i, { value: e.target.value })}
              />
              <button
                type="button"
                aria-label={`Remove input ${i + 1}`}
                onClick={() => setRows((rs) => rs.filter((_, j) => j !== i))}
              >
                ×
              </button>
            </div>
          ))}
          <datalist id="job-variables">
            {variables.map((v) => (
              <option key={v} value={v} />
            ))}
          </datalist>
          <div className="job-input-bar">
            <button
              type="button"
              data-testid="job-input-add"
              onClick={() => setRows((rs) => [...rs, { name: "", value: "" }])}
            >
              Add input
            </button>
            <span className="hint">An empty value leaves the variable&apos;s default.</span>
          </div>
          {inputs.problem && <div className="help warn">{inputs.problem}</div>}
        </div>

        <label htmlFor="job-id">Job id</label>
        <input
          id="job-id"
          data-testid="job-id"
          placeholder={project && sequence ? `${project}.${sequence} (default)` : "default: Project.Sequence"}
          value={id}
          autoComplete="off"
          aria-invalid={error?.field === "id"}
          onChange={(e) => setId(e.target.value)}
        />

        <span />
        <label className="checkbox">
          <input
            type="checkbox"
            data-testid="job-start-paused"
            checked={paused}
            onChange={(e) => setPaused(e.target.checked)}
          />{" "}
          Create it paused
        </label>
      </div>
      {error && (
        <div className="error-box" role="alert" data-testid="job-form-error">
          {error.message}
        </div>
      )}
      <div className="modal-buttons">
        <button type="button" onClick={close}>
          Cancel
        </button>
        <button
          type="submit"
          className="primary"
          data-testid="job-create"
          disabled={busy || !project || !sequence || Boolean(inputs.problem)}
        >
          {busy ? "Creating…" : "Create job"}
        </button>
      </div>
    </Modal>
  );
}

/** The default of a sequence's variable, as a placeholder. */
function defaultOf(
  projects: StudioState["projects"],
  project: string,
  sequence: FlatNode | undefined,
  name: string,
): string {
  const p = projects[project];
  const v = sequence?.children.map((id) => p?.nodes.get(id)).find((n) => n?.type === "Variable" && n.name === name);
  const d = v?.props.default;
  return d === undefined || d === "" ? "value" : `default: ${typeof d === "string" ? d : JSON.stringify(d)}`;
}
