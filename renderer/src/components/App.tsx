import { lazy, Suspense, useEffect, useState } from "react";
import { api } from "../api.ts";
import { desktop } from "../desktop.ts";
import {
  debugCommand,
  dismiss,
  loadAll,
  onStudioEvent,
  openDeploy,
  openServers,
  redo,
  startRun,
  undo,
  useStudio,
} from "../store.ts";
import { addExample } from "../project-actions.ts";
import { enclosingRequestable } from "../tree-model.ts";
import { designTarget } from "../design-model.ts";
import { BottomPanel } from "./BottomPanel.tsx";
import { Dialogs } from "./Dialogs.tsx";
import { EngineStatus } from "./EngineStatus.tsx";
import { Explorer } from "./Explorer.tsx";
import { PropertyPanel } from "./PropertyPanel.tsx";
import { formInputs, RunPanel } from "./RunPanel.tsx";
import { Splitter } from "./Splitter.tsx";

const NONE: string[] = [];

const SequenceGraph = lazy(() => import("./SequenceGraph.tsx"));
const DesignPane = lazy(() => import("./DesignPane.tsx"));

/** Is the keyboard in a text field or a code editor (where Ctrl+Z undoes typing)? */
function typingTarget(t: EventTarget | null): boolean {
  const el = t as HTMLElement | null;
  if (!el) return false;
  return (
    el.tagName === "INPUT" ||
    el.tagName === "TEXTAREA" ||
    el.tagName === "SELECT" ||
    el.isContentEditable ||
    Boolean(el.closest?.(".monaco-editor"))
  );
}

function runSelected(debug: boolean): void {
  const s = useStudio.getState();
  const p = s.selection ? s.projects[s.selection.project] : undefined;
  if (!p || !s.selection) return;
  const req = enclosingRequestable(p, s.selection.id, s.types);
  if (!req) return;
  const vars = req.node.children.map((c) => p.nodes.get(c)!).filter((n) => n?.type === "Variable");
  void startRun({
    project: p.name,
    ...(req.connector ? { connector: req.connector.name, transaction: req.node.name } : { sequence: req.node.name }),
    inputs: formInputs(vars, s.runInputs[`${p.name}/${req.node.id}`] ?? {}),
    debug,
  });
}

export function App() {
  const ready = useStudio((s) => s.ready);
  const loadError = useStudio((s) => s.loadError);
  const theme = useStudio((s) => s.theme);
  const sizes = useStudio((s) => s.sizes);
  const history = useStudio((s) => s.history);
  const notices = useStudio((s) => s.notices);
  const workspace = useStudio((s) => s.workspace);
  const bottomTab = useStudio((s) => s.bottomTab);
  const [graphOpen, setGraphOpen] = useState(true);
  // A page (or an object in one) selected: the page's preview takes the graph's place.
  const designing = useStudio((s) => {
    const sel = s.selection;
    const p = sel ? s.projects[sel.project] : undefined;
    return Boolean(p && sel && designTarget(p, sel.id));
  });

  useEffect(() => {
    void loadAll();
    let first = true;
    return api.events(onStudioEvent, (ok) => {
      useStudio.setState({ connected: ok });
      // After a lost connection, catch up with what changed meanwhile.
      if (ok && !first) void loadAll();
      first = false;
    });
  }, []);

  useEffect(() => {
    document.documentElement.dataset.theme = theme;
  }, [theme]);

  // In the desktop app, File › Import Convertigo Project… picks a folder and hands it over here.
  useEffect(
    () =>
      desktop?.onConvertigoImportRequested((src) => useStudio.setState({ dialog: { kind: "import-convertigo", src } })),
    [],
  );

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const ctrl = e.ctrlKey || e.metaKey;
      const key = e.key.toLowerCase();
      if (ctrl && key === "z" && !e.shiftKey && !typingTarget(e.target)) {
        e.preventDefault();
        void undo();
      } else if (ctrl && ((key === "z" && e.shiftKey) || key === "y") && !typingTarget(e.target)) {
        e.preventDefault();
        void redo();
      } else if (ctrl && e.shiftKey && key === "f") {
        e.preventDefault();
        useStudio.setState((s) => ({ bottomTab: "find", focusFind: s.focusFind + 1 }));
      } else if (ctrl && key === "f" && !e.shiftKey) {
        e.preventDefault();
        useStudio.setState((s) => ({ focusFilter: s.focusFilter + 1 }));
      } else if (e.key === "F1") {
        e.preventDefault();
        useStudio.setState({ dialog: { kind: "help" } });
      } else if (e.key === "F5" && e.shiftKey) {
        e.preventDefault();
        void debugCommand("stop");
      } else if (e.key === "F5") {
        e.preventDefault();
        runSelected(false);
      } else if (e.key === "F8") {
        e.preventDefault();
        void debugCommand("continue");
      } else if (e.key === "F10") {
        e.preventDefault();
        void debugCommand("step");
      }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, []);

  const setSize = (k: keyof typeof sizes, v: number) => useStudio.setState((s) => ({ sizes: { ...s.sizes, [k]: v } }));

  if (!ready) {
    return (
      <div className="loading" role="status">
        Loading the workspace…
      </div>
    );
  }
  if (loadError) {
    return (
      <div className="loading" role="alert">
        The Studio cannot reach the engine: {loadError}
      </div>
    );
  }

  return (
    <div
      className="studio"
      style={{
        gridTemplateColumns: `${sizes.explorer}px 5px minmax(260px, 1fr) 5px ${sizes.run}px`,
        gridTemplateRows: `auto minmax(160px, 1fr) 5px ${sizes.bottom}px`,
      }}
    >
      <header className="topbar" role="toolbar" aria-label="Studio">
        <span className="brand">Atelier Studio</span>
        <span className="ws" title={workspace?.dir}>
          {workspace?.dir}
        </span>
        <button
          type="button"
          aria-label="Undo"
          title={history.undoLabel ? `Undo: ${history.undoLabel} (Ctrl+Z)` : "Undo (Ctrl+Z)"}
          disabled={!history.canUndo}
          onClick={() => void undo()}
        >
          ↶ Undo
        </button>
        <button
          type="button"
          aria-label="Redo"
          title={history.redoLabel ? `Redo: ${history.redoLabel} (Ctrl+Shift+Z)` : "Redo (Ctrl+Shift+Z)"}
          disabled={!history.canRedo}
          onClick={() => void redo()}
        >
          ↷ Redo
        </button>
        <button
          type="button"
          aria-label="Find in workspace"
          title="Find in the workspace (Ctrl+Shift+F)"
          onClick={() => useStudio.setState((s) => ({ bottomTab: "find", focusFind: s.focusFind + 1 }))}
        >
          ⌕ Find
        </button>
        {(desktop || workspace?.canOpenWorkspace) && (
          <button
            type="button"
            title="Open a workspace folder, or create a new one"
            onClick={() =>
              desktop ? void desktop.openWorkspace() : useStudio.setState({ dialog: { kind: "open-workspace" } })
            }
          >
            Open workspace…
          </button>
        )}
        <button type="button" onClick={() => useStudio.setState({ dialog: { kind: "import-convertigo" } })}>
          Import Convertigo project…
        </button>
        <button
          type="button"
          data-testid="toolbar-deploy"
          title="Deploy the selected project to a server"
          onClick={() => openDeploy()}
        >
          Deploy…
        </button>
        <button
          type="button"
          data-testid="toolbar-servers"
          title="The servers you deploy to: deployed projects, versions, logs, settings, jobs"
          aria-pressed={bottomTab === "servers"}
          onClick={() => (bottomTab === "servers" ? useStudio.setState({ bottomTab: "console" }) : openServers())}
        >
          Servers
        </button>
        <button type="button" aria-pressed={graphOpen} onClick={() => setGraphOpen(!graphOpen)}>
          Graph
        </button>
        <span className="spacer" />
        <EngineStatus />
        <button
          type="button"
          aria-label={theme === "dark" ? "Light theme" : "Dark theme"}
          onClick={() => useStudio.setState({ theme: theme === "dark" ? "light" : "dark" })}
        >
          {theme === "dark" ? "☀" : "☾"}
        </button>
        <button
          type="button"
          aria-label="Keyboard shortcuts"
          onClick={() => useStudio.setState({ dialog: { kind: "help" } })}
        >
          ?
        </button>
      </header>
      <div className="area-explorer">
        <Explorer />
        {workspace && workspace.projects.length === 0 && <Welcome />}
      </div>
      <Splitter
        orientation="vertical"
        label="Resize the explorer"
        style={{ gridColumn: 2, gridRow: 2 }}
        value={sizes.explorer}
        min={180}
        max={800}
        onChange={(v) => setSize("explorer", v)}
      />
      <main className="area-main">
        <div className="main-scroll">
          <PropertyPanel />
        </div>
        {designing && (
          <>
            <Splitter
              orientation="horizontal"
              label="Resize the preview"
              value={sizes.design}
              min={200}
              max={1400}
              invert
              onChange={(v) => setSize("design", v)}
            />
            <div className="graph-pane design-pane-area" style={{ height: sizes.design }}>
              <Suspense fallback={<p className="hint">Loading the preview…</p>}>
                <DesignPane />
              </Suspense>
            </div>
          </>
        )}
        {graphOpen && !designing && (
          <>
            <Splitter
              orientation="horizontal"
              label="Resize the graph"
              value={sizes.graph}
              min={120}
              max={900}
              invert
              onChange={(v) => setSize("graph", v)}
            />
            <div className="graph-pane" style={{ height: sizes.graph }}>
              <Suspense fallback={<p className="hint">Loading the graph…</p>}>
                <SequenceGraph />
              </Suspense>
            </div>
          </>
        )}
      </main>
      <Splitter
        orientation="vertical"
        label="Resize the run panel"
        style={{ gridColumn: 4, gridRow: 2 }}
        value={sizes.run}
        min={240}
        max={900}
        invert
        onChange={(v) => setSize("run", v)}
      />
      <aside className="area-run">
        <RunPanel />
      </aside>
      <Splitter
        orientation="horizontal"
        label="Resize the bottom panel"
        style={{ gridColumn: "1 / -1", gridRow: 3 }}
        value={sizes.bottom}
        min={80}
        max={800}
        invert
        onChange={(v) => setSize("bottom", v)}
      />
      <div className="area-bottom">
        <BottomPanel />
      </div>
      <Dialogs />
      <div className="notices" aria-live="assertive">
        {notices.map((n) => (
          <div key={n.id} className={`notice ${n.level}`} role={n.level === "error" ? "alert" : "status"}>
            <span>{n.message}</span>
            <button type="button" aria-label="Dismiss" onClick={() => dismiss(n.id)}>
              ×
            </button>
          </div>
        ))}
      </div>
    </div>
  );
}

function Welcome() {
  const examples = useStudio((s) => s.workspace?.examples) ?? NONE;
  return (
    <div className="welcome" role="region" aria-label="Welcome">
      <p>This workspace has no project yet.</p>
      <button type="button" className="primary" onClick={() => useStudio.setState({ dialog: { kind: "new-project" } })}>
        Create a project
      </button>
      {examples.map((ex) => (
        <button key={ex} type="button" onClick={() => addExample(ex)}>
          Open the example project {ex}
        </button>
      ))}
    </div>
  );
}
