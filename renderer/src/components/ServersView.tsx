import { useEffect, useState } from "react";
import type { TargetSummary } from "../../../engine/common/admin/routes.ts";
import { api } from "../api.ts";
import { expiryText, isExpired, whenText } from "../deploy-model.ts";
import { notify, useStudio } from "../store.ts";
import { useRemote } from "../use-remote.ts";
import { PscImport, TargetFacts } from "./PscImport.tsx";
import { ServerAudit, ServerJobs } from "./ServerPanels.tsx";
import { ServerProjects } from "./ServerProjects.tsx";

type ServerTab = "projects" | "jobs" | "audit";

/**
 * The Servers view: the deployment targets of this machine and, for the one selected, what its
 * server runs. Every call goes to this engine, which talks to the server with the target's PSC;
 * the server's refusals (unreachable, certificate pin mismatch, revoked PSC...) show in its words.
 */
export function ServersView() {
  const focus = useStudio((s) => s.serversFocus);
  const [loads, setLoads] = useState(0);
  const targets = useRemote("targets", () => api.targets(), loads);
  const [selected, setSelected] = useState<string | undefined>(focus.target);
  const [importing, setImporting] = useState(false);
  useEffect(() => {
    if (focus.target) setSelected(focus.target);
  }, [focus]);
  const list = targets.data?.targets ?? [];
  const target = list.find((t) => t.id === selected) ?? list[0];
  return (
    <div className="servers" data-testid="servers-view">
      <aside className="servers-targets" aria-label="Deployment targets">
        <div className="servers-bar">
          <b>Targets</b>
          <button type="button" onClick={() => setImporting(!importing)} aria-expanded={importing}>
            Import a PSC…
          </button>
        </div>
        {targets.error && <div className="error-box">{targets.error}</div>}
        {targets.data && list.length === 0 && !importing && (
          <p className="hint">No target yet: import the PSC a server's admin gave you, or deploy a project.</p>
        )}
        <ul className="target-list">
          {list.map((t) => (
            <li key={t.id}>
              <button
                type="button"
                className={t.id === target?.id ? "target-item active" : "target-item"}
                aria-pressed={t.id === target?.id}
                data-testid={`server-target-${t.id}`}
                onClick={() => setSelected(t.id)}
              >
                <span className="target-server">{t.url}</span>
                <span className={isExpired(t) ? "hint expired" : "hint"}>
                  {t.user} · {expiryText(t)}
                </span>
              </button>
            </li>
          ))}
        </ul>
        {importing && (
          <PscImport
            onImported={(t) => {
              if (t[0]) setSelected(t[0].id);
              setLoads((n) => n + 1);
            }}
          />
        )}
      </aside>
      <section className="servers-detail" aria-label="Server">
        {target ? (
          <ServerDetail
            key={target.id}
            target={target}
            focusProject={focus.target === target.id ? focus.project : undefined}
            onRemoved={() => {
              setSelected(undefined);
              setLoads((n) => n + 1);
            }}
          />
        ) : (
          <p className="hint">Choose a target to see its server.</p>
        )}
      </section>
    </div>
  );
}

function ServerDetail({
  target,
  focusProject,
  onRemoved,
}: {
  target: TargetSummary;
  focusProject?: string;
  onRemoved: () => void;
}) {
  const [loads, setLoads] = useState(0);
  const [tab, setTab] = useState<ServerTab>("projects");
  const info = useRemote(`info:${target.id}`, () => api.serverInfo(target.id), loads);
  return (
    <>
      <div className="servers-bar">
        <TargetFacts target={target} />
        <span className="spacer" />
        <button type="button" data-testid="server-refresh" onClick={() => setLoads((n) => n + 1)}>
          Refresh
        </button>
        <RemoveTarget target={target} onRemoved={onRemoved} />
      </div>
      {info.error && (
        <div className="error-box" role="alert" data-testid="server-error">
          {info.error}
        </div>
      )}
      {info.data && (
        <div className="server-info" data-testid="server-info">
          <span>Atelier {info.data.atelier}</span>
          <span>{info.data.https ? "HTTPS" : "HTTP (not encrypted)"}</span>
          <span>
            FullSync {info.data.fullsync.mode}
            {info.data.fullsync.databases.length ? `: ${info.data.fullsync.databases.join(", ")}` : ""}
          </span>
          <span className="hint">up since {whenText(info.data.startedAt)}</span>
        </div>
      )}
      <div className="tabs sub-tabs" role="tablist" aria-label="Server">
        {(["projects", "jobs", "audit"] as const).map((t) => (
          <button
            key={t}
            type="button"
            role="tab"
            aria-selected={tab === t}
            className={tab === t ? "active" : ""}
            data-testid={`server-tab-${t}`}
            onClick={() => setTab(t)}
          >
            {t === "projects" ? "Projects" : t === "jobs" ? "Scheduled jobs" : "Audit log"}
          </button>
        ))}
      </div>
      <div role="tabpanel">
        {tab === "projects" && <ServerProjects target={target.id} focusProject={focusProject} reloads={loads} />}
        {tab === "jobs" && <ServerJobs target={target.id} reloads={loads} />}
        {tab === "audit" && <ServerAudit target={target.id} reloads={loads} />}
      </div>
    </>
  );
}

/** Forgets a target on this machine (after a confirmation); the server keeps its PSC until revoked. */
function RemoveTarget({ target, onRemoved }: { target: TargetSummary; onRemoved: () => void }) {
  const [asking, setAsking] = useState(false);
  if (!asking)
    return (
      <button type="button" data-testid="target-remove" onClick={() => setAsking(true)}>
        Remove target…
      </button>
    );
  return (
    <span className="confirm" role="alertdialog" aria-label="Remove the target">
      Forget the PSC of {target.user} @ {target.url} on this machine?{" "}
      <button
        type="button"
        className="danger"
        data-testid="target-remove-confirm"
        onClick={() =>
          void api.removeTarget(target.id).then(
            () => onRemoved(),
            (e: Error) => notify(e.message),
          )
        }
      >
        Remove
      </button>
      <button type="button" onClick={() => setAsking(false)}>
        Cancel
      </button>
    </span>
  );
}
