import { useEffect, useState } from "react";
import { durationText, executingStep, stepsDone } from "../run-model.ts";
import { select, useStudio } from "../store.ts";

/** A running run's progress: the elapsed time (ticking), the step under way, the steps done. */
export function RunProgress() {
  const run = useStudio((s) => s.run);
  const [now, setNow] = useState(() => Date.now());
  const running = run.status === "running";
  useEffect(() => {
    if (!running) return;
    const t = setInterval(() => setNow(Date.now()), 100);
    return () => clearInterval(t);
  }, [running]);
  if (!running) return null;
  const step = executingStep(run.trace);
  const done = stepsDone(run.trace);
  // Time paused in the debugger is not the run's: the engine's durations leave it out too.
  const elapsed = run.startedAt !== undefined ? Math.max(0, now - run.startedAt - (run.pausedMs ?? 0)) : undefined;
  return (
    <div className="status running run-progress" role="status" aria-label="Run progress">
      <span>
        Running {run.target}…{elapsed !== undefined && <span className="run-elapsed"> {durationText(elapsed)}</span>}
      </span>
      {step ? (
        <span className="run-step">
          at{" "}
          <button
            type="button"
            className="link"
            data-testid="run-executing-step"
            onClick={() => {
              if (useStudio.getState().projects[step.project]?.nodes.has(step.id))
                select({ project: step.project, id: step.id }, { reveal: true });
            }}
          >
            {step.name}
          </button>{" "}
          <span className="hint-inline">({step.type})</span>
        </span>
      ) : null}
      {done > 0 && (
        <span className="hint-inline">
          {done} step{done === 1 ? "" : "s"} done
        </span>
      )}
    </div>
  );
}
