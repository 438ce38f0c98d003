import { useEffect, useId, useMemo, useState } from "react";
import type { FindResult } from "../../../engine/common/studio/api.ts";
import { api, type ApiError } from "../api.ts";
import {
  addExampleAs,
  deleteProject,
  duplicateProject,
  freeProjectName,
  projectNameProblem,
  renameProject,
  workspaceProjectNames,
} from "../project-actions.ts";
import { useStudio } from "../store.ts";
import { Modal } from "./Modal.tsx";

const close = () => useStudio.setState({ dialog: undefined });

/**
 * What a dialog needs to send a change and stay open when the engine refuses it: the refusal is
 * shown inside the dialog (with what was typed kept), the dialog closes only on success.
 */
export function useDialogAction() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const run = async (action: (onError: (e: ApiError) => void) => Promise<boolean>): Promise<void> => {
    if (busy) return;
    setBusy(true);
    setError(undefined);
    let failed = false;
    const ok = await action((e) => {
      failed = true;
      setError(e.message);
    });
    setBusy(false);
    if (ok && !failed) close();
  };
  return { busy, error, setError, run };
}

/** The engine's refusal, inside a dialog. */
export function DialogError({ error, id }: { error: string | undefined; id?: string }) {
  if (!error) return null;
  return (
    <div className="error-box" role="alert" id={id}>
      {error}
    </div>
  );
}

/** A project name field: the name's problem shown as you type, the engine's refusal under it. */
function NameField({
  label,
  value,
  onChange,
  problem,
  error,
  help,
}: {
  label: string;
  value: string;
  onChange: (v: string) => void;
  problem: string | undefined;
  error: string | undefined;
  help: string;
}) {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        value={value}
        onChange={(e) => onChange(e.target.value)}
        aria-invalid={Boolean(problem || error)}
        aria-describedby={`${id}-help`}
        spellCheck={false}
      />
      {problem && value.trim() !== "" && (
        <div className="field-error" role="status">
          {problem}
        </div>
      )}
      <div className="help" id={`${id}-help`}>
        {help}
      </div>
      <DialogError error={error} />
    </div>
  );
}

const LISTED_REFERENCES = 8;

/** Who else names a project: steps (of any project) calling it, scheduled jobs running its sequences. */
interface ProjectUsers {
  refs: FindResult[] | "unknown";
  jobs: string[];
}

/** Reads, when a dialog opens, what names the project (see `ProjectUsers`). */
function useProjectUsers(project: string): ProjectUsers | undefined {
  const rootId = useStudio((s) => s.projects[project]?.rootId);
  const [users, setUsers] = useState<ProjectUsers>();
  useEffect(() => {
    let live = true;
    const refs: Promise<FindResult[] | "unknown"> = rootId
      ? api.references(project, rootId).catch(() => "unknown" as const)
      : Promise.resolve("unknown");
    // An engine without a scheduler answers an error: no jobs then.
    const jobs = api.jobs().then(
      (all) => all.filter((j) => j.project === project).map((j) => `${j.sequence} (${j.cron})`),
      () => [] as string[],
    );
    void Promise.all([refs, jobs]).then(([r, j]) => live && setUsers({ refs: r, jobs: j }));
    return () => {
      live = false;
    };
  }, [project, rootId]);
  return users;
}

/**
 * What a project's rename or delete does to what names it: on a rename, the steps follow the new
 * name (and scheduled jobs do not); on a delete, both fail until Undo brings the project back.
 */
function ProjectUsersNote({ project, action }: { project: string; action: "rename" | "delete" }) {
  const users = useProjectUsers(project);
  if (!users) return null;
  const { refs, jobs } = users;
  const rename = action === "rename";
  return (
    <div className="help" data-testid="project-users">
      {refs === "unknown" ? (
        <p>
          The steps calling {project} could not be listed{rename ? "; they follow the rename all the same" : ""}.
        </p>
      ) : refs.length === 0 ? (
        <p>
          No step calls {project} by its name{rename ? ": only its folder and its name change" : ""}.
        </p>
      ) : (
        <>
          <p>
            {refs.length} step{refs.length > 1 ? "s call" : " calls"} {project}
            {rename ? ", and will call the new name:" : ": deleted, those calls fail until Undo brings it back:"}
          </p>
          <ul>
            {refs.slice(0, LISTED_REFERENCES).map((r) => (
              <li key={`${r.project}/${r.id}/${r.field}`}>
                {r.path.join(" › ")} ({r.field})
              </li>
            ))}
            {refs.length > LISTED_REFERENCES && <li>and {refs.length - LISTED_REFERENCES} more</li>}
          </ul>
        </>
      )}
      {jobs.length > 0 && (
        <p className="field-error">
          {jobs.length} scheduled job{jobs.length > 1 ? "s run" : " runs"} a sequence of {project} (
          {jobs.slice(0, 3).join(", ")}
          {jobs.length > 3 ? "…" : ""}):{" "}
          {rename
            ? `${jobs.length > 1 ? "they are" : "it is"} not renamed with it; change ${jobs.length > 1 ? "them" : "it"} in the Jobs tab.`
            : `${jobs.length > 1 ? "they fail" : "it fails"} while the project is deleted; remove ${jobs.length > 1 ? "them" : "it"} in the Jobs tab.`}
        </p>
      )}
    </div>
  );
}

/** Rename, duplicate or delete a project. */
export function ProjectDialog({ action, project }: { action: "rename" | "duplicate" | "delete"; project: string }) {
  const names = useMemo(() => workspaceProjectNames(), []);
  const dir = useStudio((s) => s.workspace?.dir) ?? "";
  const objectCount = useStudio((s) => s.workspace?.projects.find((p) => p.name === project)?.objectCount);
  const [name, setName] = useState(() => (action === "duplicate" ? freeProjectName(project, names) : project));
  const { busy, error, setError, run } = useDialogAction();
  const problem =
    action === "delete"
      ? undefined
      : name.trim() === project && action === "rename"
        ? "Give a new name"
        : projectNameProblem(name, names, action === "rename" ? project : undefined);
  const edit = (v: string) => {
    setName(v);
    setError(undefined);
  };

  if (action === "delete") {
    return (
      <Modal
        title={`Delete project ${project}`}
        onSubmit={() => void run((onError) => deleteProject(project, onError))}
      >
        <p>
          Delete the project <strong>{project}</strong>
          {objectCount !== undefined ? ` (${objectCount} objects)` : ""}? Its folder moves to the workspace's trash (
          <code>{`${dir}/.atelier/trash`}</code>); Undo (Ctrl+Z) brings it back.
        </p>
        <ProjectUsersNote project={project} action="delete" />
        <DialogError error={error} />
        <div className="modal-buttons">
          <button type="button" onClick={close}>
            Cancel
          </button>
          <button type="submit" className="danger" disabled={busy}>
            {busy ? "Deleting…" : "Delete project"}
          </button>
        </div>
      </Modal>
    );
  }
  const rename = action === "rename";
  return (
    <Modal
      title={rename ? `Rename project ${project}` : `Duplicate project ${project}`}
      onSubmit={() => {
        if (problem) return;
        void run((onError) =>
          rename ? renameProject(project, name, onError) : duplicateProject(project, name, onError),
        );
      }}
    >
      <NameField
        label={rename ? "New name" : "Name of the copy"}
        value={name}
        onChange={edit}
        problem={problem}
        error={error}
        help={
          rename
            ? "The project's folder is renamed, and the Call Sequence / Call Transaction steps naming it (in every project) follow. Undo puts everything back."
            : "A copy of the whole project folder, with new ids. Undo removes it."
        }
      />
      {rename && <ProjectUsersNote project={project} action="rename" />}
      <div className="modal-buttons">
        <button type="button" onClick={close}>
          Cancel
        </button>
        <button type="submit" className="primary" disabled={busy || Boolean(problem)}>
          {busy ? (rename ? "Renaming…" : "Copying…") : rename ? "Rename" : "Duplicate"}
        </button>
      </div>
    </Modal>
  );
}

/** The example exists in the workspace already: asks for the copy's name. */
export function AddExampleDialog({ example }: { example: string }) {
  const names = useMemo(() => workspaceProjectNames(), []);
  const [name, setName] = useState(() => freeProjectName(example, names, "number"));
  const { busy, error, setError, run } = useDialogAction();
  const problem = projectNameProblem(name, names);
  return (
    <Modal
      title={`Add the example ${example}`}
      onSubmit={() => {
        if (!problem) void run((onError) => addExampleAs(example, name, onError));
      }}
    >
      <p>The workspace has a project named {example} already: the example is added under another name.</p>
      <NameField
        label="Project name"
        value={name}
        onChange={(v) => {
          setName(v);
          setError(undefined);
        }}
        problem={problem}
        error={error}
        help="The example is copied with this name and new ids; Undo removes it."
      />
      <div className="modal-buttons">
        <button type="button" onClick={close}>
          Cancel
        </button>
        <button type="submit" className="primary" disabled={busy || Boolean(problem)}>
          {busy ? "Adding…" : "Add"}
        </button>
      </div>
    </Modal>
  );
}
