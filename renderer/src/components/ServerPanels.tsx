import { useState } from "react";
import { api } from "../api.ts";
import { auditText, whenText } from "../deploy-model.ts";
import { notify } from "../store.ts";
import { useRemote } from "../use-remote.ts";

function Problem({ text, testId }: { text: string; testId?: string }) {
  return (
    <div className="error-box" role="alert" data-testid={testId}>
      {text}
    </div>
  );
}

/** The last log lines of a project on the server (refreshed on demand). */
export function ProjectLogs({ target, project }: { target: string; project: string }) {
  const logs = useRemote(`logs:${target}:${project}`, () => api.serverLogs(target, project));
  return (
    <div className="server-logs">
      <div className="servers-bar">
        <button type="button" data-testid="logs-refresh" onClick={logs.reload} disabled={logs.loading}>
          {logs.loading ? "Loading…" : "Refresh"}
        </button>
        {logs.data && <span className="hint">{logs.data.length} line(s), newest last</span>}
      </div>
      {logs.error && <Problem text={logs.error} testId="logs-error" />}
      {logs.data?.length === 0 && <p className="hint">No log line of {project} on the server.</p>}
      <div className="console-lines" role="log" aria-label={`Server log of ${project}`}>
        {logs.data?.map((r, i) => (
          <div key={`${r.at}-${i}`} className={`log-line ${r.level}`} data-testid="server-log-line">
            <span className="log-time">{new Date(r.at).toLocaleTimeString()}</span>
            <span className="log-level">{r.level}</span>
            <span className="log-msg">{r.message}</span>
          </div>
        ))}
      </div>
    </div>
  );
}

/** A project's setting values on the server: read (secrets as ••••), and set one. */
export function ProjectSettings({ target, project }: { target: string; project: string }) {
  const settings = useRemote(`settings:${target}:${project}`, () => api.serverSettings(target, project));
  const [name, setName] = useState("");
  const [value, setValue] = useState("");
  const [secret, setSecret] = useState(false);
  const [busy, setBusy] = useState(false);
  const save = () => {
    if (!name.trim() || busy) return;
    setBusy(true);
    api
      .serverSetSetting(target, project, name.trim(), value, secret)
      .then(() => {
        notify(`${name.trim()} set on the server`, "info");
        setName("");
        setValue("");
        setSecret(false);
        settings.reload();
      })
      .catch((e: Error) => notify(e.message))
      .finally(() => setBusy(false));
  };
  return (
    <div className="server-settings">
      {settings.error && <Problem text={settings.error} testId="settings-error" />}
      {settings.data && settings.data.length === 0 && <p className="hint">No setting value set on the server.</p>}
      {settings.data && settings.data.length > 0 && (
        <table aria-label={`Settings of ${project} on the server`}>
          <thead>
            <tr>
              <th>Setting</th>
              <th>Value</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {settings.data.map((s) => (
              <tr key={s.name} data-testid={`server-setting-${s.name}`}>
                <td>{s.name}</td>
                <td>{s.secret ? <span title="secret: never shown">••••</span> : <code>{s.value ?? ""}</code>}</td>
                <td>
                  <button
                    type="button"
                    className="link"
                    onClick={() => {
                      setName(s.name);
                      setSecret(s.secret);
                      setValue(s.secret ? "" : (s.value ?? ""));
                    }}
                  >
                    change
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <form
        className="servers-bar setting-form"
        onSubmit={(e) => {
          e.preventDefault();
          save();
        }}
      >
        <input aria-label="Setting name" placeholder="name" value={name} onChange={(e) => setName(e.target.value)} />
        <input
          aria-label="Setting value"
          placeholder="value"
          type={secret ? "password" : "text"}
          autoComplete="off"
          value={value}
          onChange={(e) => setValue(e.target.value)}
        />
        <label className="checkbox">
          <input type="checkbox" checked={secret} onChange={(e) => setSecret(e.target.checked)} /> secret
        </label>
        <button type="submit" disabled={!name.trim() || busy}>
          Set
        </button>
      </form>
    </div>
  );
}

/** The server's scheduled jobs: when they run next, how the last run went, which run now. */
export function ServerJobs({ target, reloads }: { target: string; reloads: number }) {
  const jobs = useRemote(`jobs:${target}`, () => api.serverJobs(target), reloads);
  if (jobs.error) return <Problem text={jobs.error} testId="jobs-error" />;
  if (!jobs.data) return <p className="hint">Loading the jobs…</p>;
  if (jobs.data.length === 0) return <p className="hint">No scheduled job on this server.</p>;
  return (
    <table aria-label="Scheduled jobs" data-testid="server-jobs">
      <thead>
        <tr>
          <th>Job</th>
          <th>Runs</th>
          <th>Schedule</th>
          <th>Next run</th>
          <th>Last run</th>
        </tr>
      </thead>
      <tbody>
        {jobs.data.map((j) => (
          <tr key={j.id} data-testid={`server-job-${j.id}`}>
            <td>
              {j.id}
              {j.paused && <span className="badge">paused</span>}
              {j.running && <span className="badge running">running</span>}
            </td>
            <td>
              {j.project}.{j.sequence}
            </td>
            <td>
              <code>{j.cron}</code> <span className="hint">{j.timezone}</span>
            </td>
            <td>{j.paused ? "paused" : whenText(j.nextRun) || "—"}</td>
            <td>
              {j.lastRun ? (
                <span className={j.lastRun.ok ? "" : "failed"}>
                  {whenText(j.lastRun.at)}:{" "}
                  {j.lastRun.skipped
                    ? `skipped (${j.lastRun.skipped})`
                    : j.lastRun.ok
                      ? `ok in ${j.lastRun.durationMs} ms`
                      : `failed: ${j.lastRun.error ?? "?"}`}
                </span>
              ) : (
                "never"
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** The server's audit log (who deployed, rolled back, changed settings, failed to log in), newest first. */
export function ServerAudit({ target, reloads }: { target: string; reloads: number }) {
  const audit = useRemote(`audit:${target}`, () => api.serverAudit(target), reloads);
  if (audit.error) return <Problem text={audit.error} testId="audit-error" />;
  if (!audit.data) return <p className="hint">Loading the audit log…</p>;
  if (audit.data.length === 0) return <p className="hint">The audit log is empty.</p>;
  return (
    <ul className="server-audit" aria-label="Audit log" data-testid="server-audit">
      {[...audit.data].reverse().map((r, i) => {
        const a = auditText(r);
        return (
          <li key={i} className={a.ok ? "" : "failed"}>
            <span className="log-time">{a.at}</span> {a.text}
            {!a.ok && " (refused)"}
          </li>
        );
      })}
    </ul>
  );
}
