import { useEffect, useMemo, useState } from "react";
import type { TargetSummary } from "../../../engine/common/admin/routes.ts";
import type { StudioDeploy, TargetsInfo } from "../../../engine/common/studio/routes.ts";
import { api, ApiError } from "../api.ts";
import {
  advanceStep,
  conflictOf,
  deployEnded,
  deploySteps,
  isExpired,
  problemLines,
  stepStates,
  targetTitle,
  type StepState,
  whenText,
} from "../deploy-model.ts";
import { flushEdits, notify, openServers, useStudio } from "../store.ts";
import { useRemote } from "../use-remote.ts";
import { Modal } from "./Modal.tsx";
import { PscImport, TargetFacts } from "./PscImport.tsx";

const POLL_MS = 300;
const STEP_MARKS: Record<StepState, string> = { done: "✔", current: "…", todo: "·", reached: "·", failed: "✘" };
const close = () => useStudio.setState({ dialog: undefined });

/** The target offered first: the last one used for the project, else the first one still valid. */
function defaultTarget(info: TargetsInfo | undefined, project: string): string | undefined {
  if (!info) return undefined;
  const last = info.last[project];
  if (last && info.targets.some((t) => t.id === last)) return last;
  return (info.targets.find((t) => !isExpired(t)) ?? info.targets[0])?.id;
}

/** May this target deploy the project (its PSC's scope)? */
const inScope = (t: TargetSummary, project: string) => t.projects.includes("*") || t.projects.includes(project);

interface Polled {
  deploy: StudioDeploy;
  /** How far in the steps it went (never back). */
  at: number;
  /** The engine did not answer the last poll (it keeps trying). */
  silent?: string;
  /** The engine no longer knows this deploy (it restarted): its outcome is unknown here. */
  lost?: boolean;
}

/** Follows a deploy every POLL_MS until it has an outcome; a failed poll is retried, never taken as a failure. */
function usePolledDeploy(requireTests: boolean, hasApp: boolean) {
  const [polled, setPolled] = useState<Polled>();
  const steps = useMemo(() => deploySteps(requireTests, hasApp), [requireTests, hasApp]);
  const id = polled?.deploy.id;
  const over = polled ? Boolean(deployEnded(polled.deploy)) || polled.lost : true;
  useEffect(() => {
    if (!id || over) return;
    let live = true;
    const timer = setTimeout(() => {
      api.deployStatus(id).then(
        (d) => live && setPolled((p) => p && { deploy: d, at: advanceStep(steps, p.at, d.step) }),
        (e: unknown) => {
          if (!live) return;
          if (e instanceof ApiError && e.status === 404) setPolled((p) => p && { ...p, lost: true });
          else setPolled((p) => p && { ...p, silent: (e as Error).message });
        },
      );
    }, POLL_MS);
    return () => {
      live = false;
      clearTimeout(timer);
    };
    // Each answer (a new object) schedules the next poll.
  }, [id, over, polled, steps]);
  const begin = (d: StudioDeploy) => setPolled({ deploy: d, at: advanceStep(steps, 0, d.step) });
  return { polled, steps, begin, reset: () => setPolled(undefined) };
}

/** Deploys a project to a server: target (or a PSC pasted here), options, progress, outcome. */
export function DeployDialog({ project: initial }: { project?: string }) {
  const projects = useStudio((s) => s.workspace?.projects);
  const [project, setProject] = useState(initial ?? "");
  const [loads, setLoads] = useState(0);
  const targets = useRemote("targets", () => api.targets(), loads);
  const [picked, setPicked] = useState<string>();
  const [force, setForce] = useState(false);
  const [requireTests, setRequireTests] = useState(false);
  const [starting, setStarting] = useState(false);
  const [startError, setStartError] = useState<string>();
  // A project with an application has its app built before the archive (engine/node/deploy/deploy.ts).
  const hasApp = useStudio((s) => {
    const p = s.projects[project];
    return Boolean(p && [...p.nodes.values()].some((n) => n.type === "Application"));
  });
  const { polled, steps, begin, reset } = usePolledDeploy(requireTests, hasApp);
  const target = picked ?? defaultTarget(targets.data, project);
  const targetInfo = targets.data?.targets.find((t) => t.id === target);

  const start = (withForce = force) => {
    if (!project || !target || starting) return;
    setStarting(true);
    setStartError(undefined);
    void flushEdits()
      .then(() =>
        api.startDeploy({
          project,
          target,
          ...(withForce ? { force: true } : {}),
          ...(requireTests ? { requireTests: true } : {}),
        }),
      )
      .then(begin, (e: Error) => setStartError(e.message))
      .finally(() => setStarting(false));
  };
  const ended = polled ? deployEnded(polled.deploy) : undefined;
  const running = Boolean(polled && !ended && !polled.lost);
  const closeDialog = () => {
    if (running) notify("The deploy goes on in the engine: the console shows how it ends", "info");
    close();
  };

  return (
    <Modal
      title={project ? `Deploy ${project}` : "Deploy"}
      wide
      testId="deploy-dialog"
      onClose={closeDialog}
      onSubmit={() => (polled ? undefined : start())}
    >
      {!polled && (
        <DeploySetup
          project={project}
          projects={(projects ?? []).map((p) => p.name)}
          onProject={(p) => {
            setProject(p);
            setPicked(undefined);
          }}
          info={targets.data}
          loadError={targets.error}
          target={target}
          onTarget={setPicked}
          onImported={(t) => {
            if (t[0]) setPicked(t[0].id);
            setLoads((n) => n + 1);
          }}
          force={force}
          onForce={setForce}
          requireTests={requireTests}
          onRequireTests={setRequireTests}
        />
      )}
      {polled && <DeployProgress polled={polled} steps={steps} ended={ended} />}
      {polled && ended === "done" && <DeployDone deploy={polled.deploy} target={targetInfo} />}
      {polled && ended === "failed" && (
        <DeployFailed deploy={polled.deploy} onForce={() => start(true)} busy={starting} />
      )}
      {startError && (
        <div className="error-box" role="alert" data-testid="deploy-start-error">
          {startError}
        </div>
      )}
      <div className="modal-buttons">
        {polled && !running && (
          <button type="button" onClick={reset}>
            ‹ Back
          </button>
        )}
        {polled && ended === "done" && (
          <button
            type="button"
            data-testid="deploy-open-servers"
            onClick={() => {
              close();
              openServers({ target: polled.deploy.target, project: polled.deploy.project });
            }}
          >
            Open in Servers view
          </button>
        )}
        <button type="button" onClick={closeDialog}>
          {polled ? "Close" : "Cancel"}
        </button>
        {!polled && (
          <button
            type="submit"
            className="primary"
            data-testid="deploy-start"
            disabled={!project || !target || starting}
            title={targetInfo && !inScope(targetInfo, project) ? "This PSC does not cover this project" : undefined}
          >
            {starting ? "Starting…" : "Deploy"}
          </button>
        )}
      </div>
    </Modal>
  );
}

function DeploySetup(p: {
  project: string;
  projects: string[];
  onProject: (p: string) => void;
  info?: TargetsInfo;
  loadError?: string;
  target?: string;
  onTarget: (id: string) => void;
  onImported: (t: TargetSummary[]) => void;
  force: boolean;
  onForce: (v: boolean) => void;
  requireTests: boolean;
  onRequireTests: (v: boolean) => void;
}) {
  const [importing, setImporting] = useState(false);
  const list = p.info?.targets ?? [];
  const chosen = list.find((t) => t.id === p.target);
  return (
    <>
      <div className="field">
        <label htmlFor="deploy-project">Project</label>
        <select
          id="deploy-project"
          data-testid="deploy-project"
          value={p.project}
          onChange={(e) => p.onProject(e.target.value)}
        >
          {!p.project && <option value="">Choose a project…</option>}
          {p.projects.map((name) => (
            <option key={name} value={name}>
              {name}
            </option>
          ))}
        </select>
      </div>
      <fieldset className="field deploy-targets">
        <legend>Server</legend>
        {p.loadError && <div className="error-box">{p.loadError}</div>}
        {!p.info && !p.loadError && <p className="hint">Loading the targets…</p>}
        {p.info && list.length === 0 && (
          <p className="hint">No deployment target yet: paste the PSC a server's admin gave you.</p>
        )}
        {list.map((t) => (
          <label key={t.id} className="target-choice" data-testid={`deploy-target-${t.id}`}>
            <input
              type="radio"
              name="deploy-target"
              value={t.id}
              checked={p.target === t.id}
              onChange={() => p.onTarget(t.id)}
            />
            <TargetFacts target={t} />
            {p.info?.last[p.project] === t.id && <span className="hint">last used</span>}
          </label>
        ))}
        {chosen && p.project && !inScope(chosen, p.project) && (
          <div className="help warn">This PSC does not cover {p.project}: the server will refuse the deploy.</div>
        )}
        {chosen && isExpired(chosen) && (
          <div className="help warn">This PSC has expired: ask the server's admin for a new one.</div>
        )}
        {importing || (p.info && list.length === 0) ? (
          <PscImport
            onImported={(t) => {
              // The import stays open, showing what the PSC gave, once the list is no longer empty.
              setImporting(true);
              p.onImported(t);
            }}
          />
        ) : (
          <button type="button" className="link" data-testid="deploy-import-psc" onClick={() => setImporting(true)}>
            Import a PSC…
          </button>
        )}
      </fieldset>
      <div className="field">
        <label className="checkbox">
          <input type="checkbox" checked={p.force} onChange={(e) => p.onForce(e.target.checked)} />
          Replace even if someone deployed since my last deploy
        </label>
        <label className="checkbox">
          <input type="checkbox" checked={p.requireTests} onChange={(e) => p.onRequireTests(e.target.checked)} />
          Run the test cases first (a failure stops the deploy)
        </label>
      </div>
    </>
  );
}

function DeployProgress({
  polled,
  steps,
  ended,
}: {
  polled: Polled;
  steps: { step: string; label: string }[];
  ended?: "done" | "failed";
}) {
  return (
    <>
      <ol className="deploy-steps" aria-label="Deploy steps" data-testid="deploy-steps">
        {stepStates(steps.length, polled.at, ended).map((state, i) => (
          <li key={i} className={`deploy-step ${state}`} aria-current={state === "current" ? "step" : undefined}>
            <span className="deploy-mark">{STEP_MARKS[state]}</span>
            {state === "failed" ? "Failed" : steps[i]!.label}
          </li>
        ))}
      </ol>
      {polled.silent && !ended && (
        <p className="hint" role="status">
          The engine did not answer ({polled.silent}): still asking…
        </p>
      )}
      {polled.lost && (
        <div className="error-box" role="alert">
          The engine no longer knows this deploy (did it restart?): its outcome is unknown here. The Servers view shows
          what the server serves.
        </div>
      )}
    </>
  );
}

function DeployDone({ deploy, target }: { deploy: StudioDeploy; target?: TargetSummary }) {
  const r = deploy.result!;
  return (
    <div className="deploy-done" role="status" data-testid="deploy-done">
      <p>
        {deploy.project} deployed{target ? ` to ${targetTitle(target)}` : ""}:{" "}
        <b data-testid="deploy-version">version {r.version}</b>
        {r.replaced !== undefined ? ` (it replaces version ${r.replaced})` : ""}.
      </p>
      <p>
        Its URL on the server:{" "}
        <a href={r.url} target="_blank" rel="noreferrer" data-testid="deploy-url">
          {r.url}
        </a>
      </p>
      <p className="hint">
        {(r.bytes / 1024).toFixed(1)} KiB, SHA-256 {r.digest.slice(0, 12)}…
      </p>
      {r.warnings.length > 0 && (
        <ul className="deploy-warnings" aria-label="Warnings">
          {r.warnings.map((w, i) => (
            <li key={i}>{w}</li>
          ))}
        </ul>
      )}
    </div>
  );
}

function DeployFailed({ deploy, onForce, busy }: { deploy: StudioDeploy; onForce: () => void; busy: boolean }) {
  const e = deploy.error!;
  const conflict = conflictOf(e);
  const problems = problemLines(e);
  return (
    <div className="error-box" role="alert" data-testid="deploy-error">
      {conflict ? (
        <p data-testid="deploy-conflict">
          Someone deployed {deploy.project} since your last deploy: the server is at version {conflict.current ?? "?"}
          {conflict.deployedBy ? `, deployed by ${conflict.deployedBy}` : ""}
          {conflict.at ? ` on ${whenText(conflict.at)}` : ""}.
        </p>
      ) : (
        <p>{e.message}</p>
      )}
      {problems.length > 0 && (
        <ul className="deploy-problems" data-testid="deploy-problems" aria-label="Problems">
          {problems.map((line, i) => (
            <li key={i}>{line}</li>
          ))}
        </ul>
      )}
      {conflict && (
        <button type="button" className="danger" data-testid="deploy-force" disabled={busy} onClick={onForce}>
          Deploy anyway
        </button>
      )}
    </div>
  );
}
