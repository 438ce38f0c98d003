/**
 * The page designer's preview (issue 18, design §6): the selected page rendered by the app
 * runtime in a sandboxed iframe (/studio-preview/), updated on every change of the application's
 * objects, no save or build needed; a click in it selects the object in the explorer. Shows how
 * long the last update took (edit → rendered).
 */
import { useEffect, useMemo, useRef, useState } from "react";
import { designTarget, FRAMES, previewApplication, type FrameName } from "../design-model.ts";
import type { DropItem } from "../preview/drop.ts";
import { readPreviewMessage, type DragMessage, type RenderMessage } from "../preview/protocol.ts";
import { addUi, currentDrag, moveTo, type StudioDrag } from "../object-actions.ts";
import { api } from "../api.ts";
import { notify, select, useStudio } from "../store.ts";
import { toObjNode } from "../tree-model.ts";
import { dropItemOf, sharedComponentNames } from "../ui-palette.ts";
import { UiPalette } from "./UiPalette.tsx";

export const PREVIEW_URL = "/studio-preview/";

/** How long after a drag ended its drop may still be reported by the preview. */
const DROP_AFTER_END_MS = 1000;

export default function DesignPane() {
  const selection = useStudio((s) => s.selection);
  const project = useStudio((s) => (s.selection ? s.projects[s.selection.project] : undefined));
  const target = project && selection ? designTarget(project, selection.id) : undefined;
  const appId = target?.application.id;
  // The application's objects, rebuilt when the project changes (its revision).
  const application = useMemo(
    () => (project && appId ? toObjNode(project, appId) : undefined),
    // The revision stands for the nodes' content.
    [project?.rev, project?.name, appId],
  );
  const frameRef = useRef<HTMLIFrameElement>(null);
  const [ready, setReady] = useState(false);
  const [frame, setFrame] = useState<FrameName>("phone");
  const [lastMs, setLastMs] = useState<number | null>(null);
  const [renders, setRenders] = useState(0);
  const [error, setError] = useState<string | null>(null);
  // The app's build (generation + Vite), then where it is served.
  const [build, setBuild] = useState<{ busy: boolean; url?: string; said?: string; failed?: string }>({ busy: false });
  const projectName = project?.name;
  useEffect(() => setBuild({ busy: false }), [projectName]);
  const buildApp = async () => {
    if (!projectName || build.busy) return;
    setBuild({ busy: true });
    try {
      const r = await api.buildApp(projectName);
      const warned = r.warnings.length ? ` (${r.warnings.length} warning${r.warnings.length > 1 ? "s" : ""})` : "";
      setBuild({ busy: false, url: r.url, said: `Built in ${(r.ms / 1000).toFixed(1)} s${warned}` });
      notify(r.lines.join("\n"), "info");
    } catch (e) {
      setBuild({ busy: false, failed: (e as Error).message });
    }
  };
  // Keyed on the names: the palette's list changes only when they do.
  const sharedKey = project && appId ? sharedComponentNames(project, appId).join("\n") : "";
  const sharedComponents = useMemo(() => (sharedKey ? sharedKey.split("\n") : []), [sharedKey]);
  // The device frame is scaled down to the pane (never up).
  const stageRef = useRef<HTMLDivElement>(null);
  const [stage, setStage] = useState({ width: 0, height: 0 });
  useEffect(() => {
    const el = stageRef.current;
    if (!el) return;
    const observer = new ResizeObserver(() => setStage({ width: el.clientWidth, height: el.clientHeight }));
    observer.observe(el);
    return () => observer.disconnect();
  }, [target !== undefined]);

  // Drags (the palette's, the explorer's) are told to the preview, which shows where they would
  // land; the drop it reports is checked against the drag under way, then made here.
  const dragRef = useRef<{ drag: StudioDrag; item: DropItem; endedAt?: number } | undefined>(undefined);
  useEffect(() => {
    const tell = (item: DropItem | null) => {
      const m: DragMessage = { atelier: "preview", type: "drag", item };
      frameRef.current?.contentWindow?.postMessage(m, "*");
    };
    const onStart = () => {
      const d = currentDrag();
      const item = d && project && appId ? dropItemFor(d, project.name, (id) => project.nodes.has(id)) : undefined;
      dragRef.current = d && item ? { drag: d, item } : undefined;
      tell(item ?? null);
    };
    // The drop message may come just after dragend: the drag is kept a moment for it, no longer
    // (the frame runs the app's scripts: a message long after a drag ended is not a drop).
    const onEnd = () => {
      if (dragRef.current) dragRef.current.endedAt = performance.now();
      tell(null);
    };
    document.addEventListener("dragstart", onStart);
    document.addEventListener("dragend", onEnd);
    return () => {
      document.removeEventListener("dragstart", onStart);
      document.removeEventListener("dragend", onEnd);
    };
  }, [project, appId]);

  useEffect(() => {
    const onMessage = (e: MessageEvent) => {
      if (e.source !== frameRef.current?.contentWindow) return;
      const m = readPreviewMessage(e.data);
      if (!m) return;
      if (m.type === "ready") setReady(true);
      else if (m.type === "rendered") {
        setLastMs(Math.round(performance.now() - m.sentAt));
        setRenders((n) => n + 1);
        setError(null);
      } else if (m.type === "error") setError(m.message);
      else if (m.type === "select" && project && project.nodes.has(m.id)) {
        select({ project: project.name, id: m.id }, { reveal: true });
      } else if (m.type === "drop" && project) {
        const under = dragRef.current;
        dragRef.current = undefined;
        // Only the drag the Studio started, into an object of this project's application.
        if (!under || JSON.stringify(under.item) !== JSON.stringify(m.item)) return;
        if (under.endedAt !== undefined && performance.now() - under.endedAt > DROP_AFTER_END_MS) return;
        if (!project.nodes.has(m.parent) || !inApplication(project.nodes, m.parent, appId)) return;
        const d = under.drag;
        if (d.kind === "ui") addUi(project.name, d.item, { parent: m.parent, index: m.index });
        else if (d.kind === "object" && d.project === project.name) {
          moveTo(project.name, d.id, { parent: m.parent, index: m.index });
        }
      }
    };
    window.addEventListener("message", onMessage);
    return () => window.removeEventListener("message", onMessage);
  }, [project, appId]);

  useEffect(() => {
    if (!ready || !application || !target) return;
    const shown = previewApplication(application, target);
    const message: RenderMessage = {
      atelier: "preview",
      type: "render",
      application: shown.application as RenderMessage["application"],
      page: shown.page,
      selected: selection?.id ?? null,
      sentAt: performance.now(),
    };
    // The preview is an opaque origin: "*" is the only target it has; it holds nothing secret.
    frameRef.current?.contentWindow?.postMessage(message, "*");
  }, [ready, application, target?.page.id, target?.page.name, selection?.id]);

  if (!target) return null;
  const size = FRAMES[frame];
  const scale =
    stage.width > 0 && stage.height > 0
      ? Math.min(1, (stage.width - 16) / size.width, (stage.height - 16) / size.height)
      : 1;
  return (
    <section className="design-pane" aria-label="Page preview">
      <div className="pane-header">
        <span className="pane-title">Preview: {target.page.name}</span>
        <span role="group" aria-label="Device">
          {(Object.keys(FRAMES) as FrameName[]).map((f) => (
            <button key={f} type="button" aria-pressed={frame === f} onClick={() => setFrame(f)}>
              {FRAMES[f].label}
            </button>
          ))}
        </span>
        <button
          type="button"
          onClick={() => void buildApp()}
          disabled={build.busy}
          title="Generate the app's sources and build it (served by this engine)"
        >
          {build.busy ? "Building…" : "Build app"}
        </button>
        {build.url && (
          <a href={build.url} target="_blank" rel="noreferrer" title={build.said}>
            Open app ↗
          </a>
        )}
        {lastMs !== null && (
          <span
            className="hint"
            data-testid="preview-time"
            data-renders={renders}
            title="From the edit to the preview rendered"
          >
            {lastMs} ms
          </span>
        )}
      </div>
      {error && (
        <div className="issues" role="alert">
          The preview failed: {error}
        </div>
      )}
      {build.failed && (
        <div className="issues app-build-failed" role="alert">
          The app's build failed: <pre>{build.failed}</pre>
        </div>
      )}
      <div className="design-body">
        <UiPalette sharedComponents={sharedComponents} />
        <div className="design-stage" ref={stageRef}>
          <div
            className="device-frame"
            data-frame={frame}
            style={{
              width: size.width,
              height: size.height,
              // zoom, not a transform: the iframe's content is laid out at the device's size and
              // shown smaller, and pointer positions in it stay right (a click selects what is under it).
              zoom: scale,
            }}
          >
            <iframe
              ref={frameRef}
              title="Page preview"
              src={PREVIEW_URL}
              sandbox="allow-scripts"
              width={size.width}
              height={size.height}
            />
          </div>
        </div>
      </div>
    </section>
  );
}

/** The item a Studio drag is for the preview: a palette entry, or an object of the page moved. */
function dropItemFor(d: StudioDrag, project: string, has: (id: string) => boolean): DropItem | undefined {
  if (d.kind === "ui") return dropItemOf(d.item);
  if (d.kind === "object" && d.project === project && has(d.id)) {
    return ["Component", "Text", "Directive", "UseShared"].includes(d.type) ? { kind: "move", id: d.id } : undefined;
  }
  return undefined;
}

/** Whether `id` is the application `appId` or under it. */
function inApplication(
  nodes: ReadonlyMap<string, { parent?: string }>,
  id: string,
  appId: string | undefined,
): boolean {
  for (let n: string | undefined = id, guard = 0; n && guard < 1000; guard++) {
    if (n === appId) return true;
    n = nodes.get(n)?.parent;
  }
  return false;
}
