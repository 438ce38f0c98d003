import { useEffect, useState } from "react";
import type { LocalJob, LocalJobRun } from "../../../engine/common/studio/routes.ts";
import { api } from "../api.ts";
import { describeCron, durationText, inputsText, runText, whenInZone } from "../jobs-model.ts";
import { notify, openNewJob, useStudio } from "../store.ts";
import { useRemote } from "../use-remote.ts";

/** How often the tab reloads while it shows (runs appear, next runs move on, `atelier jobs` changes). */
const POLL_MS = 2000;

/** A counter that moves every `ms` while the page is visible (the tab is mounted only while shown). */
function usePulse(ms: number): number {
  const [pulse, setPulse] = useState(0);
  useEffect(() => {
    const timer = setInterval(() => {
      if (document.visibilityState === "visible") setPulse((n) => n + 1);
    }, ms);
    return () => clearInterval(timer);
  }, [ms]);
  return pulse;
}

/**
 * The Jobs tab: the workspace's scheduled jobs as this engine runs them (`<workspace>/.atelier/
 * jobs.json`, shared with `atelier jobs`): schedule, next run, last run; New job, Pause / Resume,
 * Run now, Remove; the last runs of the selected job.
 */
export function JobsPanel() {
  const changed = useStudio((s) => s.jobsChanged);
  const selected = useStudio((s) => s.jobSelected);
  const pulse = usePulse(POLL_MS);
  const jobs = useRemote("jobs", () => api.jobs(), `${changed}:${pulse}`);
  const list = jobs.data ?? [];
  const job = list.find((j) => j.id === selected) ?? list[0];
  const reload = () => useStudio.setState((s) => ({ jobsChanged: s.jobsChanged + 1 }));
  return (
    <div className="jobs" data-testid="jobs-view">
      <div className="servers-bar jobs-bar">
        <b>Scheduled jobs</b>
        <span className="hint">of this workspace, run by this engine while it runs</span>
        <span className="spacer" />
        <button type="button" className="primary" data-testid="job-new" onClick={() => openNewJob()}>
          New job…
        </button>
        <button type="button" data-testid="jobs-refresh" onClick={reload}>
          Refresh
        </button>
      </div>
      {jobs.error && (
        <div className="error-box" role="alert" data-testid="jobs-error">
          {jobs.error}
        </div>
      )}
      {jobs.data && list.length === 0 && (
        <p className="hint" data-testid="jobs-empty">
          No scheduled job. &quot;New job…&quot;, or &quot;Schedule…&quot; on a sequence in the explorer, runs a
          sequence on a cron schedule (<code>atelier jobs add</code> does it from a terminal).
        </p>
      )}
      {list.length > 0 && (
        <div className="jobs-body">
          <table className="jobs-table" aria-label="Scheduled jobs" data-testid="jobs-table">
            <thead>
              <tr>
                <th>Job</th>
                <th>Sequence</th>
                <th>Schedule</th>
                <th>Next run</th>
                <th>Last run</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {list.map((j) => (
                <JobRow
                  key={j.id}
                  job={j}
                  selected={j.id === job?.id}
                  onSelect={() => useStudio.setState({ jobSelected: j.id })}
                  onChanged={reload}
                />
              ))}
            </tbody>
          </table>
          {job && <JobRuns key={job.id} job={job} refresh={`${changed}:${pulse}`} />}
        </div>
      )}
    </div>
  );
}

function LastRun({ run, timezone }: { run: LocalJobRun | undefined; timezone: string }) {
  if (!run) return <span className="hint">never</span>;
  const r = runText(run);
  return (
    <span className={`job-run ${r.state}`} title={run.error ?? run.skipped ?? ""}>
      <span className="job-state" data-testid="job-last-state">
        {r.state}
      </span>{" "}
      {r.state === "skipped" ? "" : durationText(run.durationMs)}{" "}
      <span className="hint" title={run.at}>
        {whenInZone(run.at, timezone)}
      </span>
      {run.manual && <span className="badge">run now</span>}
      {r.state !== "ok" && <div className="job-error">{run.error ?? run.skipped}</div>}
    </span>
  );
}

function JobRow({
  job,
  selected,
  onSelect,
  onChanged,
}: {
  job: LocalJob;
  selected: boolean;
  onSelect: () => void;
  onChanged: () => void;
}) {
  const [busy, setBusy] = useState<"pause" | "run" | "remove">();
  const [asking, setAsking] = useState(false);
  const [result, setResult] = useState<LocalJobRun>();
  const words = describeCron(job.cron);
  const act = (what: "pause" | "run" | "remove", call: () => Promise<unknown>) => {
    setBusy(what);
    call()
      .then(onChanged, (e: Error) => notify(e.message))
      .finally(() => setBusy(undefined));
  };
  const runNow = () =>
    act("run", async () => {
      setResult(undefined);
      const run = await api.runJob(job.id);
      setResult(run);
      const r = runText(run);
      notify(`${job.id}: ${r.text}`, r.state === "ok" ? "info" : "error");
    });
  return (
    <tr
      className={selected ? "selected" : ""}
      data-testid={`job-${job.id}`}
      aria-selected={selected}
      onClick={onSelect}
    >
      <td>
        <span className="job-id">{job.id}</span>
        {job.paused && (
          <span className="badge" data-testid="job-paused">
            paused
          </span>
        )}
        {job.running && (
          <span className="badge running" data-testid="job-running">
            running
          </span>
        )}
      </td>
      <td>
        {job.project}.{job.sequence}
        {Object.keys(job.inputs).length > 0 && <div className="hint mono">{inputsText(job.inputs)}</div>}
      </td>
      <td>
        <code>{job.cron}</code> <span className="hint">{job.timezone}</span>
        {words && <div className="hint">{words}</div>}
      </td>
      <td data-testid="job-next">
        {job.paused ? (
          <span className="hint">paused</span>
        ) : job.nextRun ? (
          <span title={job.nextRun}>{whenInZone(job.nextRun, job.timezone)}</span>
        ) : (
          "—"
        )}
      </td>
      <td data-testid="job-last">
        <LastRun run={job.lastRun} timezone={job.timezone} />
        {result && (
          <div className="job-run-result" data-testid="job-run-result">
            Run now: <span className={`job-run ${runText(result).state}`}>{runText(result).text}</span>
          </div>
        )}
      </td>
      <td className="job-actions" onClick={(e) => e.stopPropagation()}>
        {job.paused ? (
          <button
            type="button"
            data-testid="job-resume"
            disabled={busy !== undefined}
            onClick={() => act("pause", () => api.updateJob(job.id, { paused: false }))}
          >
            Resume
          </button>
        ) : (
          <button
            type="button"
            data-testid="job-pause"
            disabled={busy !== undefined}
            onClick={() => act("pause", () => api.updateJob(job.id, { paused: true }))}
          >
            Pause
          </button>
        )}
        <button
          type="button"
          data-testid="job-run"
          disabled={busy !== undefined || job.running}
          title={job.running ? "It is running: a job never runs twice at once" : "Run it now, whatever its schedule"}
          onClick={runNow}
        >
          {busy === "run" ? "Running…" : "Run now"}
        </button>
        {asking ? (
          <span className="confirm" role="alertdialog" aria-label={`Remove the job ${job.id}`}>
            Remove {job.id}?{" "}
            <button
              type="button"
              className="danger"
              data-testid="job-remove-confirm"
              disabled={busy !== undefined}
              onClick={() => act("remove", () => api.removeJob(job.id))}
            >
              Remove
            </button>
            <button type="button" onClick={() => setAsking(false)}>
              Cancel
            </button>
          </span>
        ) : (
          <button type="button" data-testid="job-remove" onClick={() => setAsking(true)}>
            Remove…
          </button>
        )}
      </td>
    </tr>
  );
}

/** The last runs of a job, newest first. */
function JobRuns({ job, refresh }: { job: LocalJob; refresh: string }) {
  const runs = useRemote(`runs:${job.id}`, () => api.jobRuns(job.id, 50), refresh);
  const list = [...(runs.data ?? [])].reverse();
  return (
    <section className="job-runs" aria-label={`Runs of ${job.id}`} data-testid="job-runs">
      <div className="servers-bar">
        <b>Last runs of {job.id}</b>
        {runs.data && <span className="hint">{runs.data.length} shown, newest first</span>}
      </div>
      {runs.error && <div className="error-box">{runs.error}</div>}
      {runs.data && list.length === 0 && <p className="hint">No run yet.</p>}
      {list.length > 0 && (
        <table aria-label={`Last runs of ${job.id}`}>
          <thead>
            <tr>
              <th>Started</th>
              <th>Result</th>
              <th className="num">Duration</th>
              <th>How</th>
            </tr>
          </thead>
          <tbody>
            {list.map((r, i) => {
              const t = runText(r);
              return (
                <tr key={`${r.at}-${i}`} className="job-run-row" data-state={t.state} data-testid="job-run-row">
                  <td title={r.at}>{whenInZone(r.at, job.timezone)}</td>
                  <td>
                    <span className={`job-run ${t.state}`}>{t.state}</span>
                    {t.state !== "ok" && <div className="job-error">{r.error ?? r.skipped}</div>}
                  </td>
                  <td className="num">{t.state === "skipped" ? "" : durationText(r.durationMs)}</td>
                  <td>{r.manual ? "run now" : "scheduled"}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </section>
  );
}
