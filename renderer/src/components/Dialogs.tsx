import { useMemo, useState } from "react";
import { api } from "../api.ts";
import { desktop } from "../desktop.ts";
import { glyph } from "../icons.ts";
import { mutate, notify, useStudio } from "../store.ts";
import { DeployDialog } from "./DeployDialog.tsx";
import { Modal } from "./Modal.tsx";
import { NewJobDialog } from "./NewJobDialog.tsx";
import { formInputs } from "./RunPanel.tsx";

const NONE: string[] = [];
const NO_TEXTS: Record<string, string> = {};

const close = () => useStudio.setState({ dialog: undefined });

/** The dialog open now, if any. */
export function Dialogs() {
  const dialog = useStudio((s) => s.dialog);
  if (!dialog) return null;
  switch (dialog.kind) {
    case "palette":
      return <Palette project={dialog.project} parent={dialog.parent} />;
    case "confirm-delete":
      return <ConfirmDelete project={dialog.project} ids={dialog.ids} />;
    case "new-project":
      return <NewProject />;
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

/** Adds a child: only the types the parent accepts, searchable. */
function Palette({ project, parent }: { project: string; parent: string }) {
  const types = useStudio((s) => s.types);
  const parentNode = useStudio((s) => s.projects[project]?.nodes.get(parent));
  const [q, setQ] = useState("");
  const [active, setActive] = useState(0);
  const accepted = useMemo(() => {
    const list = (types.get(parentNode?.type ?? "")?.accepts ?? []).map((t) => types.get(t)!).filter(Boolean);
    const needle = q.trim().toLowerCase();
    return needle
      ? list.filter(
          (t) =>
            t.label.toLowerCase().includes(needle) ||
            t.type.toLowerCase().includes(needle) ||
            t.category.includes(needle),
        )
      : list;
  }, [types, parentNode, q]);
  const add = (type: string) => {
    close();
    void mutate(() => api.create(project, { parent, type }), project);
  };
  const current = accepted[Math.min(active, accepted.length - 1)];
  return (
    <Modal title={`Add to ${parentNode?.name ?? ""}`} onSubmit={() => current && add(current.type)}>
      <input
        aria-label="Search types"
        placeholder="Type to search…"
        value={q}
        onChange={(e) => {
          setQ(e.target.value);
          setActive(0);
        }}
        onKeyDown={(e) => {
          if (e.key === "ArrowDown") {
            e.preventDefault();
            setActive((a) => Math.min(a + 1, accepted.length - 1));
          }
          if (e.key === "ArrowUp") {
            e.preventDefault();
            setActive((a) => Math.max(a - 1, 0));
          }
        }}
        aria-controls="palette-list"
        aria-activedescendant={current ? `palette-${current.type}` : undefined}
      />
      <div className="palette" role="listbox" id="palette-list" aria-label="Object types">
        {accepted.length === 0 && <p className="hint">Nothing can be added here{q ? " that matches" : ""}.</p>}
        {accepted.map((t, i) => (
          <div
            key={t.type}
            id={`palette-${t.type}`}
            role="option"
            aria-selected={current?.type === t.type}
            aria-label={t.label}
            className={`palette-item ${current?.type === t.type ? "active" : ""}`}
            onMouseEnter={() => setActive(i)}
            onClick={() => add(t.type)}
          >
            <span className="icon">{glyph(t.icon)}</span>
            <span className="palette-label">{t.label}</span>
            <span className="palette-desc">{t.description}</span>
          </div>
        ))}
      </div>
      <div className="modal-buttons">
        <button type="button" onClick={close}>
          Cancel
        </button>
        <button type="submit" className="primary" disabled={!current}>
          Add
        </button>
      </div>
    </Modal>
  );
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
  return (
    <Modal
      title="Delete"
      onSubmit={() => {
        close();
        void mutate(() => api.remove(project, ids), project);
      }}
    >
      <p>
        Delete {nodes.map((n) => `"${n!.name}"`).join(", ")}
        {total > nodes.length ? ` and the ${total - nodes.length} object(s) inside` : ""}? Undo (Ctrl+Z) brings it back.
      </p>
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
  return (
    <Modal
      title="New project"
      onSubmit={() => {
        if (!name.trim()) return;
        close();
        void mutate(() => api.createProject(name.trim()));
      }}
    >
      <div className="field">
        <label htmlFor="new-project-name">Project name</label>
        <input id="new-project-name" value={name} onChange={(e) => setName(e.target.value)} placeholder="e.g. Orders" />
        <div className="help">Letters, digits, _ . - ; it becomes the project's folder in the workspace.</div>
      </div>
      <div className="modal-buttons">
        {examples.map((ex) => (
          <button
            key={ex}
            type="button"
            onClick={() => {
              close();
              void mutate(() => api.addExample(ex));
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
        <button type="submit" className="primary">
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
  const [busy, setBusy] = useState(false);
  return (
    <Modal
      title="Import Convertigo project"
      onSubmit={() => {
        if (!src.trim() || busy) return;
        setBusy(true);
        void mutate(async () => {
          const r = await api.importConvertigo(src.trim(), name.trim() || undefined);
          notify(
            `Imported as ${r.deltas[0]?.project ?? "a new project"}${r.warnings.length ? `: ${r.warnings.length} warning(s), see the console` : ""}`,
            "info",
          );
          return r;
        }).finally(() => {
          setBusy(false);
          close();
        });
      }}
    >
      <div className="field">
        <label htmlFor="c8o-src">Convertigo project folder</label>
        <div className="with-button">
          <input
            id="c8o-src"
            value={src}
            onChange={(e) => setSrc(e.target.value)}
            placeholder="/path/to/MyProject (the folder holding c8oProject.yaml)"
          />
          {desktop && (
            <button
              type="button"
              onClick={() => void desktop?.chooseConvertigoProject().then((folder) => folder && setSrc(folder))}
            >
              Browse…
            </button>
          )}
        </div>
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
            notify(e.message);
            setBusy(false);
          });
      }}
    >
      <div className="field">
        <label htmlFor="workspace-dir">Workspace folder</label>
        <input
          id="workspace-dir"
          value={dir}
          onChange={(e) => setDir(e.target.value)}
          placeholder="/home/me/AtelierWorkspace"
        />
        <div className="help">
          An absolute path on the engine's machine: a folder of project folders. The engine restarts on it (runs in
          progress stop); your edits are already saved.
        </div>
      </div>
      <div className="field">
        <label>
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
  ["Insert", "Add a child"],
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
  const inputs = formInputs(vars, texts);
  return (
    <Modal
      title="Save test case"
      onSubmit={() => {
        close();
        void mutate(
          () =>
            api.create(project, {
              parent: owner,
              type: "TestCase",
              name: name.trim(),
              props: { inputs, ...(expect && canExpect ? { expected: run.output } : {}) },
            }),
          project,
        );
      }}
    >
      <div className="field">
        <label htmlFor="test-name">Test case name</label>
        <input id="test-name" value={name} onChange={(e) => setName(e.target.value)} />
      </div>
      <div className="field">
        <span className="label">Inputs</span>
        <pre className="output-text">{JSON.stringify(inputs)}</pre>
      </div>
      <div className="field">
        <label>
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
