import { useEffect, useState } from "react";
import type { ChangeResult } from "../../../engine/common/studio/api.ts";
import type { RenameChange, RenamePlanInfo } from "../../../engine/common/studio/refactor.ts";
import { api } from "../api.ts";
import { mutate, useStudio } from "../store.ts";
import { renameProblem } from "../tree-model.ts";
import { Modal } from "./Modal.tsx";

const close = () => useStudio.setState({ dialog: undefined });

/**
 * Renaming with its references: the new name, and the list of what the rename will change
 * (the engine's plan, asked again as the name is typed), then one change for all of it. Errors
 * (a name taken, a reference that would clash) stay in the dialog with what was typed.
 */
export function RenameDialog({ project, id, name }: { project: string; id: string; name: string }) {
  const node = useStudio((s) => s.projects[project]?.nodes.get(id));
  const types = useStudio((s) => s.types);
  const [value, setValue] = useState(name);
  const [plan, setPlan] = useState<RenamePlanInfo>();
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const wanted = value.trim();

  useEffect(() => {
    setPlan(undefined);
    setError(undefined);
    const p = useStudio.getState().projects[project];
    if (!p || !node || !wanted || wanted === node.name) return;
    const problem = renameProblem(p, id, wanted, types);
    if (problem) {
      setError(problem.message);
      return;
    }
    let current = true;
    const timer = setTimeout(() => {
      api.renamePreview(project, id, { name: wanted }).then(
        (r) => current && setPlan(r),
        (e: Error) => current && setError(e.message),
      );
    }, 150);
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [project, id, wanted, node, types]);

  if (!node) return null;
  const label = types.get(node.type)?.label ?? node.type;
  const references = (plan?.changes.length ?? 1) - 1;

  const apply = (withReferences: boolean) => {
    if (!wanted || wanted === node.name || busy) return;
    setBusy(true);
    void mutate(async (): Promise<ChangeResult> => {
      try {
        const r = await api.rename(project, id, { name: wanted, references: withReferences });
        close();
        return r;
      } catch (e) {
        setError((e as Error).message);
        return { deltas: [], history: useStudio.getState().history };
      } finally {
        setBusy(false);
      }
    }, project);
  };

  return (
    <Modal title={`Rename ${label} "${node.name}"`} wide onSubmit={() => apply(true)} testId="rename-dialog">
      <div className="field">
        <label htmlFor="rename-name">New name</label>
        <input
          id="rename-name"
          value={value}
          onChange={(e) => setValue(e.target.value)}
          aria-invalid={Boolean(error)}
          aria-describedby="rename-error"
        />
      </div>
      {error && (
        <div id="rename-error" className="field-error" role="alert">
          {error}
        </div>
      )}
      {plan && (
        <>
          <p>
            {references > 0
              ? `${references} reference${references > 1 ? "s" : ""} will be updated with it:`
              : "Nothing else refers to it by name."}
          </p>
          <ul className="rename-changes" aria-label="Changes">
            {plan.changes.slice(1).map((c, k) => (
              <ChangeRow key={k} change={c} />
            ))}
          </ul>
          {plan.skipped.length > 0 && (
            <ul className="rename-skipped" aria-label="Not updated">
              {plan.skipped.map((s, k) => (
                <li key={k}>
                  {s.path.join(" › ")} · {s.field}: {s.reason}
                </li>
              ))}
            </ul>
          )}
        </>
      )}
      <div className="modal-buttons">
        <button type="button" onClick={close}>
          Cancel
        </button>
        <button
          type="button"
          disabled={busy || !plan || references === 0}
          title="Leaves the references as they are (they will show as problems)"
          onClick={() => apply(false)}
        >
          Rename only this object
        </button>
        <button type="submit" className="primary" disabled={busy || !plan}>
          {references > 0 ? `Rename and update ${references} reference${references > 1 ? "s" : ""}` : "Rename"}
        </button>
      </div>
    </Modal>
  );
}

function ChangeRow({ change: c }: { change: RenameChange }) {
  return (
    <li className={`rename-change ${c.form}`}>
      <span className="rename-where">
        {c.path.join(" › ")} · {c.field}
        {c.line ? ` (line ${c.line})` : ""}
      </span>
      <span className="rename-diff">
        <del>{c.before}</del> → <ins>{c.after}</ins>
      </span>
    </li>
  );
}
