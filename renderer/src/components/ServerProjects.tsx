import { useEffect, useState } from "react";
import type { DeployedProject } from "../../../engine/common/admin/routes.ts";
import { api } from "../api.ts";
import { previousVersion, rollbackChoices, whenText } from "../deploy-model.ts";
import { notify } from "../store.ts";
import { useRemote } from "../use-remote.ts";
import { ProjectLogs, ProjectSettings } from "./ServerPanels.tsx";

type ProjectTab = "history" | "logs" | "settings";

/** The projects a server serves: current version, last deploy, requests; one opened below. */
export function ServerProjects({
  target,
  focusProject,
  reloads,
}: {
  target: string;
  focusProject?: string;
  reloads: number;
}) {
  const [loads, setLoads] = useState(0);
  const projects = useRemote(`projects:${target}`, () => api.serverProjects(target), `${reloads}/${loads}`);
  const [open, setOpen] = useState<string | undefined>(focusProject);
  useEffect(() => {
    if (focusProject) setOpen(focusProject);
  }, [focusProject]);
  if (projects.error)
    return (
      <div className="error-box" role="alert" data-testid="server-projects-error">
        {projects.error}
      </div>
    );
  if (!projects.data) return <p className="hint">Loading the deployed projects…</p>;
  if (projects.data.length === 0) return <p className="hint">Nothing deployed on this server yet.</p>;
  const opened = projects.data.find((p) => p.project === open) ?? projects.data[0]!;
  return (
    <>
      <table className="server-projects" aria-label="Deployed projects">
        <thead>
          <tr>
            <th>Project</th>
            <th>Current</th>
            <th>Deployed by</th>
            <th className="num">Requests</th>
            <th>URL</th>
          </tr>
        </thead>
        <tbody>
          {projects.data.map((p) => {
            const cur = p.versions.find((v) => v.version === p.current);
            return (
              <tr
                key={p.project}
                className={p.project === opened.project ? "selected" : ""}
                data-testid={`server-project-${p.project}`}
              >
                <td>
                  <button type="button" className="link" onClick={() => setOpen(p.project)}>
                    {p.project}
                  </button>
                </td>
                <td data-testid={`server-current-${p.project}`}>
                  version {p.current}
                  {p.rolledBack ? ` (rolled back by ${p.rolledBack.by})` : ""}
                </td>
                <td>{cur ? `${cur.deployedBy}, ${whenText(cur.at)}` : ""}</td>
                <td className="num">
                  {p.requests ? (
                    <>
                      {p.requests.ok} ok
                      {p.requests.failed ? <span className="failed">, {p.requests.failed} failed</span> : ""}
                    </>
                  ) : (
                    ""
                  )}
                </td>
                <td>
                  {p.url && (
                    <a href={p.url} target="_blank" rel="noreferrer">
                      {p.url}
                    </a>
                  )}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <ProjectDetail key={opened.project} target={target} project={opened} onChanged={() => setLoads((n) => n + 1)} />
    </>
  );
}

function ProjectDetail({
  target,
  project,
  onChanged,
}: {
  target: string;
  project: DeployedProject;
  onChanged: () => void;
}) {
  const [tab, setTab] = useState<ProjectTab>("history");
  return (
    <div className="server-project" aria-label={`Project ${project.project} on the server`} role="region">
      <div className="tabs sub-tabs" role="tablist" aria-label={`Project ${project.project}`}>
        {(["history", "logs", "settings"] as const).map((t) => (
          <button
            key={t}
            type="button"
            role="tab"
            aria-selected={tab === t}
            className={tab === t ? "active" : ""}
            data-testid={`project-tab-${t}`}
            onClick={() => setTab(t)}
          >
            {project.project}: {t === "history" ? "versions" : t}
          </button>
        ))}
      </div>
      {tab === "history" && <VersionHistory target={target} project={project} onChanged={onChanged} />}
      {tab === "logs" && <ProjectLogs target={target} project={project.project} />}
      {tab === "settings" && <ProjectSettings target={target} project={project.project} />}
    </div>
  );
}

/** The versions kept on the server, newest first, and the rollback to one of them. */
function VersionHistory({
  target,
  project,
  onChanged,
}: {
  target: string;
  project: DeployedProject;
  onChanged: () => void;
}) {
  const versions = [...project.versions].sort((a, b) => b.version - a.version);
  return (
    <>
      <Rollback target={target} project={project} onDone={onChanged} />
      <table className="server-versions" aria-label={`Versions of ${project.project}`}>
        <thead>
          <tr>
            <th>Version</th>
            <th>Deployed by</th>
            <th>When</th>
            <th>From</th>
            <th>Replaced</th>
            <th className="num">Size</th>
          </tr>
        </thead>
        <tbody>
          {versions.map((v) => (
            <tr
              key={v.version}
              className={v.version === project.current ? "current" : ""}
              data-testid={`version-row-${v.version}`}
            >
              <td>
                {v.version}
                {v.version === project.current && <span className="badge">current</span>}
                {v.projectVersion && <span className="hint"> ({v.projectVersion})</span>}
              </td>
              <td>
                {v.deployedBy} <span className="hint">via {v.via}</span>
              </td>
              <td>{whenText(v.at)}</td>
              <td>{v.from}</td>
              <td>{v.replaced !== undefined ? `version ${v.replaced}` : "none"}</td>
              <td className="num">
                {v.files} files, {(v.bytes / 1024).toFixed(1)} KiB
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {project.rolledBack && (
        <p className="hint">
          Rolled back to version {project.rolledBack.to} by {project.rolledBack.by}, {whenText(project.rolledBack.at)}
        </p>
      )}
    </>
  );
}

/** Rolls a project back to the previous or a chosen kept version, after a confirmation. */
function Rollback({ target, project, onDone }: { target: string; project: DeployedProject; onDone: () => void }) {
  const choices = rollbackChoices(project);
  const previous = previousVersion(project);
  const [to, setTo] = useState<string>("");
  const [asking, setAsking] = useState(false);
  const [busy, setBusy] = useState(false);
  if (choices.length === 0) return <p className="hint">No other version kept: nothing to roll back to.</p>;
  // "" is the previous version; when there is none before the current one, the newest other.
  const value = to !== "" || previous !== undefined ? to : String(choices[0]);
  const chosen = value ? Number(value) : previous;
  const run = () => {
    setBusy(true);
    api
      .serverRollback(target, project.project, value ? Number(value) : undefined)
      .then((r) => {
        notify(`${r.project} now serves version ${r.version}`, "info");
        setAsking(false);
        onDone();
      })
      .catch((e: Error) => notify(e.message))
      .finally(() => setBusy(false));
  };
  return (
    <div className="servers-bar rollback">
      <label>
        Roll back to{" "}
        <select data-testid="rollback-version" value={value} onChange={(e) => setTo(e.target.value)} disabled={asking}>
          {previous !== undefined && <option value="">the previous version ({previous})</option>}
          {choices.map((v) => (
            <option key={v} value={String(v)}>
              version {v}
            </option>
          ))}
        </select>
      </label>
      {!asking ? (
        <button type="button" data-testid="rollback" disabled={chosen === undefined} onClick={() => setAsking(true)}>
          Roll back…
        </button>
      ) : (
        <span className="confirm" role="alertdialog" aria-label="Confirm the rollback">
          {project.project} will serve version {chosen} instead of {project.current} at once.{" "}
          <button type="button" className="danger" data-testid="rollback-confirm" disabled={busy} onClick={run}>
            {busy ? "Rolling back…" : `Roll back to version ${chosen}`}
          </button>
          <button type="button" onClick={() => setAsking(false)} disabled={busy}>
            Cancel
          </button>
        </span>
      )}
    </div>
  );
}
