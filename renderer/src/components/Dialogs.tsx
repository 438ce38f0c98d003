import { useState } from "react";
import { api } from "../api.ts";
import { desktop } from "../desktop.ts";
import { mutate, notify, useStudio } from "../store.ts";
import { DeleteReferences } from "./DeleteReferences.tsx";
import { DeployDialog } from "./DeployDialog.tsx";
import { Modal } from "./Modal.tsx";
import { NewJobDialog } from "./NewJobDialog.tsx";
import { PaletteDialog } from "./Palette.tsx";
import { RenameDialog } from "./RenameDialog.tsx";
import { addExample } from "../project-actions.ts";
import { typedInputs } from "../run-inputs.ts";
import { FolderPicker } from "./FolderPicker.tsx";
import { AddExampleDialog, DialogError, ProjectDialog, useDialogAction } from "./ProjectDialogs.tsx";

const NONE: string[] = [];
const NO_TEXTS: Record<string, string> = {};

const close = () => useStudio.setState({ dialog: undefined });

/** The dialog open now, if any. */
export function Dialogs() {
  const dialog = useStudio((s) => s.dialog);
  if (!dialog) return null;
  switch (dialog.kind) {
    case "palette":
      return <PaletteDialog {...dialog} />;
    case "confirm-delete":
      return <ConfirmDelete project={dialog.project} ids={dialog.ids} />;
    case "rename":
      return <RenameDialog project={dialog.project} id={dialog.id} name={dialog.name} />;
    case "new-project":
      return <NewProject />;
    case "project":
      return <ProjectDialog action={dialog.action} project={dialog.project} />;
    case "add-example":
      return <AddExampleDialog example={dialog.example} />;
    case "import-convertigo":
      return <ImportConvertigo initialSrc={dialog.src} />;
    case "open-workspace":
      return <OpenWorkspace />;
    case "help":
      return <Help />;
    case "save-test":
      return <SaveTest project={dialog.project} owner={dialog.owner} />;
    case "deploy":
      return <DeployDialog project={dialog.project} />;
    case "new-job":
      return <NewJobDialog project={dialog.project} sequence={dialog.sequence} />;
  }
}

function ConfirmDelete({ project, ids }: { project: string; ids: string[] }) {
  const p = useStudio((s) => s.projects[project]);
  const nodes = ids.map((id) => p?.nodes.get(id)).filter(Boolean);
  const count = (id: string): number => {
    const p = useStudio.getState().projects[project];
    const n = p?.nodes.get(id);
    return n ? 1 + n.children.reduce((a, c) => a + count(c), 0) : 0;
  };
  const total = ids.reduce((a, id) => a + count(id), 0);
  const action = useDialogAction();
  return (
    <Modal
      title="Delete"
      onSubmit={() =>
        void action.run(async (onError) => Boolean(await mutate(() => api.remove(project, ids), project, { onError })))
      }
    >
      <p>
        Delete {nodes.map((n) => `"${n!.name}"`).join(", ")}
        {total > nodes.length ? ` and the ${total - nodes.length} object(s) inside` : ""}? Undo (Ctrl+Z) brings it back.
      </p>
      <DeleteReferences project={project} ids={ids} />
      <DialogError error={action.error} />
      <div className="modal-buttons">
        <button type="button" onClick={close}>
          Cancel
        </button>
        <button type="submit" className="danger">
          Delete
        </button>
      </div>
    </Modal>
  );
}

function NewProject() {
  const [name, setName] = useState("");
  const examples = useStudio((s) => s.workspace?.examples) ?? NONE;
  const { busy, error, setError, run } = useDialogAction();
  return (
    <Modal
      title="New project"
      onSubmit={() => {
        if (!name.trim()) return;
        void run(async (onError) =>
          Boolean(await mutate(() => api.createProject(name.trim()), undefined, { onError })),
        );
      }}
    >
      <div className="field">
        <label htmlFor="new-project-name">Project name</label>
        <input
          id="new-project-name"
          value={name}
          onChange={(e) => {
            setName(e.target.value);
            setError(undefined);
          }}
          placeholder="e.g. Orders"
          aria-invalid={Boolean(error)}
        />
        <div className="help">Letters, digits, _ . - ; it becomes the project's folder in the workspace.</div>
        <DialogError error={error} />
      </div>
      <div className="modal-buttons">
        {examples.map((ex) => (
          <button
            key={ex}
            type="button"
            onClick={() => {
              close();
              addExample(ex);
            }}
          >
            Add the example project {ex}
          </button>
        ))}
        <button type="button" onClick={() => useStudio.setState({ dialog: { kind: "import-convertigo" } })}>
          Import Convertigo project…
        </button>
        <button type="button" onClick={close}>
          Cancel
        </button>
        <button type="submit" className="primary" disabled={busy}>
          Create
        </button>
      </div>
    </Modal>
  );
}

/** Imports a Convertigo project folder (a path on the engine's machine) as a new project. */
function ImportConvertigo({ initialSrc }: { initialSrc?: string }) {
  const [src, setSrc] = useState(initialSrc ?? "");
  const [name, setName] = useState("");
  const [picking, setPicking] = useState(false);
  const { busy, error, setError, run } = useDialogAction();
  return (
    <Modal
      title="Import Convertigo project"
      wide={picking}
      onSubmit={() => {
        if (!src.trim() || busy) return;
        // A refusal stays in the dialog, naming the folder, with what was typed kept.
        void run(async (onError) =>
          Boolean(
            await mutate(
              async () => {
                const r = await api.importConvertigo(src.trim(), name.trim() || undefined);
                notify(
                  `Imported as ${r.deltas[0]?.project ?? "a new project"}${r.warnings.length ? `: ${r.warnings.length} warning(s), see the console` : ""}`,
                  "info",
                );
                return r;
              },
              undefined,
              { onError },
            ),
          ),
        );
      }}
    >
      <div className="field">
        <label htmlFor="c8o-src">Convertigo project folder</label>
        <div className="with-button">
          <input
            id="c8o-src"
            value={src}
            onChange={(e) => {
              setSrc(e.target.value);
              setError(undefined);
            }}
            placeholder="/path/to/MyProject (the folder holding c8oProject.yaml)"
            aria-invalid={Boolean(error)}
          />
          {desktop ? (
            <button
              type="button"
              onClick={() => void desktop?.chooseConvertigoProject().then((folder) => folder && setSrc(folder))}
            >
              Browse…
            </button>
          ) : (
            <button type="button" aria-expanded={picking} onClick={() => setPicking(!picking)}>
              Browse…
            </button>
          )}
        </div>
        {picking && !desktop && (
          <FolderPicker
            start={src.trim()}
            onChoose={(folder) => {
              setSrc(folder);
              setError(undefined);
              setPicking(false);
            }}
          />
        )}
        <DialogError error={error} />
        <div className="help">
          A folder on the engine's machine. The project is copied into the workspace; the source is left as it is.
        </div>
      </div>
      <div className="field">
        <label htmlFor="c8o-name">Project name (optional)</label>
        <input
          id="c8o-name"
          value={name}
          onChange={(e) => setName(e.target.value)}
          placeholder="The Convertigo project's name"
        />
      </div>
      <div className="modal-buttons">
        <button type="button" onClick={close}>
          Cancel
        </button>
        <button type="submit" className="primary" disabled={busy}>
          {busy ? "Importing…" : "Import"}
        </button>
      </div>
    </Modal>
  );
}

/** Waits until the restarted engine signs the browser in at `url` (303), then goes there. */
async function followRestart(url: string, dir: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    // The Studio keeps its token across the restart: once the engine answers with the new
    // folder, the page reloads there, still signed in.
    const info = await api.workspace().catch(() => undefined);
    if (info?.dir === dir) {
      window.location.href = url;
      return;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  notify(`The engine did not come back: open ${url}`, "error");
}

/** Opens another workspace folder (or creates one): the engine restarts there. */
function OpenWorkspace() {
  const current = useStudio((s) => s.workspace?.dir) ?? "";
  const [dir, setDir] = useState(current);
  const [create, setCreate] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  return (
    <Modal
      title="Open a workspace"
      onSubmit={() => {
        if (!dir.trim() || busy) return;
        setBusy(true);
        api
          .openWorkspace(dir.trim(), create)
          .then((r) => {
            notify(`Opening ${r.dir}…`, "info");
            return followRestart(r.url, r.dir);
          })
          .catch((e: Error) => {
            setError(e.message);
            setBusy(false);
          });
      }}
    >
      <div className="field">
        <label htmlFor="workspace-dir">Workspace folder</label>
        <input
          id="workspace-dir"
          value={dir}
          onChange={(e) => {
            setDir(e.target.value);
            setError(undefined);
          }}
          placeholder="/home/me/AtelierWorkspace"
          aria-invalid={Boolean(error)}
        />
        <div className="help">
          An absolute path on the engine's machine: a folder of project folders. The engine restarts on it (runs in
          progress stop); your edits are already saved.
        </div>
        <DialogError error={error} />
      </div>
      <div className="field">
        <label className="check">
          <input type="checkbox" checked={create} onChange={(e) => setCreate(e.target.checked)} /> Create the folder if
          it does not exist (a new, empty workspace)
        </label>
      </div>
      <div className="modal-buttons">
        <button type="button" onClick={close}>
          Cancel
        </button>
        <button type="submit" className="primary" disabled={busy}>
          {busy ? "Opening…" : "Open"}
        </button>
      </div>
    </Modal>
  );
}

export const SHORTCUTS: [string, string][] = [
  ["Ctrl+Z", "Undo"],
  ["Ctrl+Shift+Z / Ctrl+Y", "Redo"],
  ["Ctrl+F", "Filter the explorer"],
  ["Ctrl+Shift+F", "Find in the workspace"],
  ["↑ ↓ ← → Home End", "Move in the explorer, open and close"],
  ["Enter / Space", "Open or close the object"],
  ["F2", "Rename"],
  ["Insert", "Add: inside a sequence or block, after a step (explorer or graph)"],
  ["↑ ↓ in the graph", "Previous or next step"],
  ["Delete", "Delete (asks first)"],
  ["Ctrl+C / Ctrl+X / Ctrl+V", "Copy, cut, paste objects"],
  ["Ctrl+D", "Duplicate"],
  ["F9", "Toggle a breakpoint on a step"],
  ["F5", "Run the selected sequence"],
  ["F8 / F10", "Continue / step in the debugger"],
  ["Shift+F5", "Stop the run"],
  ["F1", "This help"],
];

function Help() {
  return (
    <Modal title="Keyboard shortcuts" onSubmit={close}>
      <table className="shortcuts">
        <tbody>
          {SHORTCUTS.map(([k, what]) => (
            <tr key={k}>
              <td>
                <kbd>{k}</kbd>
              </td>
              <td>{what}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <div className="modal-buttons">
        <button type="submit" className="primary">
          Close
        </button>
      </div>
    </Modal>
  );
}

/** Saves the run form's inputs as a test case (with the last output as the expected one). */
function SaveTest({ project, owner }: { project: string; owner: string }) {
  const p = useStudio((s) => s.projects[project]);
  const run = useStudio((s) => s.run);
  const texts = useStudio((s) => s.runInputs[`${project}/${owner}`]) ?? NO_TEXTS;
  const ownerNode = p?.nodes.get(owner);
  const existing = new Set(ownerNode?.children.map((c) => p?.nodes.get(c)?.name));
  let n = 1;
  while (existing.has(`Case${n}`)) n++;
  const [name, setName] = useState(`Case${n}`);
  const canExpect = run.status === "done" && run.ok && run.target === ownerNode?.name;
  const [expect, setExpect] = useState(canExpect);
  const vars = (ownerNode?.children ?? [])
    .map((c) => p?.nodes.get(c))
    .filter((x) => x?.type === "Variable") as NonNullable<ReturnType<NonNullable<typeof p>["nodes"]["get"]>>[];
  // Kept as their variables' types (a whole number stays a number in the file).
  const inputs = typedInputs(vars, texts);
  const action = useDialogAction();
  return (
    <Modal
      title="Save test case"
      onSubmit={() =>
        void action.run(async (onError) =>
          Boolean(
            await mutate(
              () =>
                api.create(project, {
                  parent: owner,
                  type: "TestCase",
                  name: name.trim(),
                  props: { inputs, ...(expect && canExpect ? { expected: run.output } : {}) },
                }),
              project,
              { onError },
            ),
          ),
        )
      }
    >
      <div className="field">
        <label htmlFor="test-name">Test case name</label>
        <input
          id="test-name"
          value={name}
          onChange={(e) => {
            setName(e.target.value);
            action.setError(undefined);
          }}
          aria-invalid={Boolean(action.error)}
        />
        <DialogError error={action.error} />
      </div>
      <div className="field">
        <span className="label">Inputs</span>
        <pre className="output-text">{JSON.stringify(inputs)}</pre>
      </div>
      <div className="field">
        <label className="check">
          <input
            type="checkbox"
            checked={expect && canExpect}
            disabled={!canExpect}
            onChange={(e) => setExpect(e.target.checked)}
          />{" "}
          Expect the output of the last run
        </label>
        {!canExpect && (
          <div className="help">
            Run it first to save its output as the expected one; or edit "Expected output" later.
          </div>
        )}
      </div>
      <div className="modal-buttons">
        <button type="button" onClick={close}>
          Cancel
        </button>
        <button type="submit" className="primary">
          Save
        </button>
      </div>
    </Modal>
  );
}
