import { useState } from "react";
import type { FlatNode } from "../../../engine/common/studio/api.ts";
import { useStudio } from "../store.ts";
import type { ProjectState, Scope } from "../tree-model.ts";
import { JsonView } from "./JsonView.tsx";

interface SourceValue {
  step: string;
  path?: string;
}

function asSource(v: unknown): SourceValue | undefined {
  if (v && typeof v === "object" && !Array.isArray(v) && typeof (v as SourceValue).step === "string")
    return v as SourceValue;
  return undefined;
}

/**
 * The source of a step: an earlier step and a path into its output. Pick them by hand, or click
 * into the output that step gave in the last run.
 */
export function SourcePicker({
  id,
  label,
  value,
  project,
  node,
  scope,
  onChange,
}: {
  id: string;
  label: string;
  value: unknown;
  project: ProjectState;
  node: FlatNode;
  scope: Scope;
  onChange: (v: SourceValue | undefined) => void;
}) {
  const src = asSource(value);
  const outputs = useStudio((s) => s.run.outputs);
  const [path, setPath] = useState(src?.path ?? "");
  const [picking, setPicking] = useState(false);
  const stepName = src ? (project.nodes.get(src.step)?.name ?? `(missing step ${src.step})`) : "";
  const withOutput = scope.earlierSteps.filter((s) => outputs[s.id] !== undefined);
  void node;

  return (
    <div className="source-picker" role="group" aria-label={label}>
      <div className="source-row">
        <select
          id={id}
          aria-label={`${label} step`}
          value={src?.step ?? ""}
          onChange={(e) =>
            e.target.value ? onChange({ step: e.target.value, ...(path ? { path } : {}) }) : onChange(undefined)
          }
        >
          <option value="">(no source)</option>
          {scope.earlierSteps.map((s) => (
            <option key={s.id} value={s.id}>
              {s.name} ({s.type})
            </option>
          ))}
          {src && !scope.earlierSteps.some((s) => s.id === src.step) && (
            <option value={src.step}>{stepName} (not an earlier step)</option>
          )}
        </select>
        <input
          aria-label={`${label} path`}
          placeholder="path, e.g. data.items[0]"
          value={path}
          disabled={!src}
          onChange={(e) => setPath(e.target.value)}
          onBlur={() => src && path !== (src.path ?? "") && onChange({ step: src.step, ...(path ? { path } : {}) })}
          onKeyDown={(e) => {
            if (e.key === "Enter" && src) onChange({ step: src.step, ...(path ? { path } : {}) });
          }}
        />
        <button
          type="button"
          aria-expanded={picking}
          onClick={() => setPicking(!picking)}
          disabled={withOutput.length === 0}
          title={
            withOutput.length
              ? "Click into the output of an earlier step (from the last run)"
              : "Run the sequence first: outputs of earlier steps appear here"
          }
        >
          Pick from last run
        </button>
      </div>
      {picking && (
        <div className="source-outputs" aria-label="Outputs of earlier steps">
          {withOutput.map((s) => (
            <div key={s.id} className="source-output">
              <div className="source-step">{s.name}</div>
              <JsonView
                value={outputs[s.id]}
                label={`Output of ${s.name}`}
                onPick={(p) => {
                  setPath(p);
                  onChange({ step: s.id, ...(p ? { path: p } : {}) });
                  setPicking(false);
                }}
              />
            </div>
          ))}
        </div>
      )}
    </div>
  );
}
