import type { RunState } from "../store.ts";
import { useStudio } from "../store.ts";

/** What the debugger is paused at: before a step, at a line of a JavaScript step, and why. */
export function PausedTitle({ paused }: { paused: NonNullable<RunState["paused"]> }) {
  const lineStep = useStudio((s) =>
    paused.line ? s.projects[paused.entry.project]?.nodes.get(paused.line.step)?.name : undefined,
  );
  const { entry, line, reason } = paused;
  return (
    <div className="paused-title" data-testid="paused-title">
      {line ? (
        <>
          ‖ Paused at line {line.line} of <strong>{lineStep ?? entry.name}</strong>
          {line.step !== entry.id && <> (called from {entry.name})</>}
        </>
      ) : (
        <>
          ‖ Paused before <strong>{entry.name}</strong> ({entry.type})
        </>
      )}
      {reason === "start" && (
        <div className="help">
          No breakpoint in this sequence: the debugger pauses at its first step. Step goes on step by step, Continue
          runs to the end.
        </div>
      )}
    </div>
  );
}
