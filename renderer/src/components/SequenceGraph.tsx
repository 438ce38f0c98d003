import {
  ControlButton,
  Controls,
  Handle,
  Position,
  ReactFlow,
  ReactFlowProvider,
  useReactFlow,
  ViewportPortal,
  type Edge,
  type Node,
  type NodeProps,
} from "@xyflow/react";
import "@xyflow/react/dist/style.css";
import {
  createContext,
  memo,
  useCallback,
  useContext,
  useEffect,
  useLayoutEffect,
  useMemo,
  useRef,
  useState,
  type DragEvent,
  type KeyboardEvent,
  type MouseEvent as ReactMouseEvent,
} from "react";
import type { FlatNode } from "../../../engine/common/studio/api.ts";
import {
  dropTarget,
  layoutSequence,
  neighbourRow,
  runLabel,
  stepRuns,
  type DropTarget,
  type GraphLayout,
  type Where,
} from "../graph-model.ts";
import { glyph } from "../icons.ts";
import {
  beginDrag,
  createAt,
  currentDrag,
  endDrag,
  moveTo,
  objectKey,
  objectMenuItems,
  openPalette,
  type ActionTarget,
} from "../object-actions.ts";
import { select, useStudio } from "../store.ts";
import { enclosingRequestable, rowKey, type ProjectState, type Row } from "../tree-model.ts";
import { ContextMenu, RenameBox } from "./Explorer.tsx";
import "./flow-editor.css";
import { PalettePanel } from "./Palette.tsx";

/** Geometry of the graph, in flow units: one row per step, nesting as an indent. */
const NODE_W = 230;
const NODE_H = 40;
const GAP = 24;
const ROW = NODE_H + GAP;
const INDENT = 36;
const PAD = 24;
/** Below this zoom a fit shows the top of the graph at this zoom instead (long sequences). */
const MIN_FIT = 0.6;

const PALETTE_KEY = "atelier.studio.palette";

/**
 * Where the handles are (React Flow's 6 px handles centred on the node's top and bottom, 18 px
 * from its left: see flow-editor.css). Known in advance, React Flow draws only the nodes in view
 * from the first frame instead of mounting all of them once to measure their handles.
 */
const HANDLES: NonNullable<Node["handles"]> = [
  { type: "target", position: Position.Top, x: 15, y: -3, width: 6, height: 6 },
  { type: "source", position: Position.Bottom, x: 15, y: NODE_H - 3, width: 6, height: 6 },
];

interface StepData extends Record<string, unknown> {
  id: string;
  name: string;
  label: string;
  icon: string;
  classes: string;
  title: string;
  status: string;
  timing: string;
  header: boolean;
  emptyBlock: boolean;
  renaming: boolean;
}
type StepNode = Node<StepData, "step">;

/** What nodes call back (a context: the nodes' data stays plain values, compared cheaply). */
interface GraphActions {
  project: string;
  click: (id: string) => void;
  insert: (id: string, where: Where) => void;
  menu: (e: ReactMouseEvent, id: string) => void;
  dragStart: (e: DragEvent, id: string) => void;
  renamed: () => void;
}
const Actions = createContext<GraphActions | undefined>(undefined);

/** The graph pane: the palette beside the selected sequence's editable graph. */
export default function SequenceGraph() {
  const [palette, setPalette] = useState(() => localStorage.getItem(PALETTE_KEY) !== "closed");
  const togglePalette = () => {
    setPalette(!palette);
    try {
      localStorage.setItem(PALETTE_KEY, palette ? "closed" : "open");
    } catch {
      // private mode: not kept
    }
  };
  return (
    <div className="flow-editor">
      {palette && <PalettePanel />}
      <button
        type="button"
        className="palette-toggle"
        data-testid="palette-toggle"
        aria-pressed={palette}
        title={palette ? "Hide the palette" : "Show the palette"}
        onClick={togglePalette}
      >
        {palette ? "◂" : "▸"}
      </button>
      <ReactFlowProvider>
        <FlowGraph />
      </ReactFlowProvider>
    </div>
  );
}

function FlowGraph() {
  const selection = useStudio((s) => s.selection);
  const project = useStudio((s) => (s.selection ? s.projects[s.selection.project] : undefined));
  const types = useStudio((s) => s.types);
  const shown = useRef<{ project: string; id: string }>(undefined);
  const req = project && selection ? enclosingRequestable(project, selection.id, types) : undefined;
  let seq = req && !req.connector ? req.node : undefined;
  // The selected step was deleted: the graph stays on its sequence.
  if (!seq && project && selection && !project.nodes.has(selection.id) && shown.current?.project === project.name)
    seq = project.nodes.get(shown.current.id);
  shown.current = project && seq ? { project: project.name, id: seq.id } : undefined;
  if (!project || !seq)
    return <p className="hint graph-hint">Select a sequence or one of its steps to see its graph.</p>;
  return <Graph project={project} seq={seq} />;
}

/** The node of a step (and of the sequence, on top): memoized, so a change redraws only its node. */
const StepNodeView = memo(function StepNodeView({ data }: NodeProps<StepNode>) {
  const actions = useContext(Actions)!;
  const ref = useRef<HTMLDivElement>(null);
  // A press on a node starts a drag of the step, not a pan of the graph (the pane listens natively).
  useEffect(() => {
    const el = ref.current;
    const stop = (e: Event) => e.stopPropagation();
    el?.addEventListener("mousedown", stop);
    return () => el?.removeEventListener("mousedown", stop);
  }, []);
  const row = data.renaming ? renameRow(actions.project, data) : undefined;
  return (
    <div ref={ref} className="gnode-wrap">
      <Handle type="target" position={Position.Top} isConnectable={false} className="gnode-handle" />
      <div
        className={`gnode ${data.classes}`}
        draggable={!data.header && !data.renaming}
        data-testid={data.header ? "graph-start" : `graph-node-${data.name}`}
        data-status={data.status}
        aria-label={data.header ? `Sequence ${data.name}` : `Step ${data.name}`}
        title={data.title}
        onContextMenu={(e) => actions.menu(e, data.id)}
        onDragStart={(e) => actions.dragStart(e, data.id)}
        onDragEnd={endDrag}
      >
        <span className="gnode-icon" aria-hidden="true">
          {data.icon}
        </span>
        {row ? (
          <span className="gnode-rename">
            <RenameBox row={row} onDone={actions.renamed} />
          </span>
        ) : (
          <span className="gnode-name">{data.name}</span>
        )}
        {data.timing ? (
          <span className="gnode-time" data-testid={`graph-time-${data.name}`}>
            {data.timing}
          </span>
        ) : (
          <span className="gnode-type">{data.label}</span>
        )}
      </div>
      <button
        type="button"
        className="gnode-add"
        aria-label={data.header ? `Add a first step to ${data.name}` : `Insert after ${data.name}`}
        data-testid={data.header ? "graph-insert-first" : `graph-insert-after-${data.name}`}
        title={data.header ? "Add a step at the start" : "Insert a step after this one"}
        onClick={() => actions.insert(data.id, data.header ? "inside" : "after")}
      >
        +
      </button>
      {data.emptyBlock && (
        <button
          type="button"
          className="gnode-add-inside"
          aria-label={`Add inside ${data.name}`}
          data-testid={`graph-insert-inside-${data.name}`}
          title="Add a step inside this block"
          onClick={() => actions.insert(data.id, "inside")}
        >
          + inside
        </button>
      )}
      <Handle type="source" position={Position.Bottom} isConnectable={false} className="gnode-handle" />
    </div>
  );
});

const nodeTypes = { step: StepNodeView };

function renameRow(project: string, data: StepData): Row {
  return {
    key: rowKey(project, data.id),
    kind: "object",
    project,
    id: data.id,
    name: data.name,
    type: "",
    depth: 0,
    hasChildren: false,
    expanded: false,
    pos: 1,
    size: 1,
    invalid: false,
  };
}

function sameData(a: StepData, b: StepData): boolean {
  for (const k of Object.keys(a)) if (a[k] !== b[k]) return false;
  return true;
}

function targetOf(project: ProjectState, id: string): ActionTarget | undefined {
  const n = project.nodes.get(id);
  if (!n) return undefined;
  return { kind: "object", project: project.name, id, key: rowKey(project.name, id), name: n.name, type: n.type };
}

/** The editable graph of one sequence. */
function Graph({ project, seq }: { project: ProjectState; seq: FlatNode }) {
  const rf = useReactFlow();
  const types = useStudio((s) => s.types);
  const theme = useStudio((s) => s.theme);
  const selection = useStudio((s) => s.selection);
  const breakpoints = useStudio((s) => s.breakpoints);
  const trace = useStudio((s) => s.run.trace);
  const pausedId = useStudio((s) => (s.run.paused?.entry.project === project.name ? s.run.paused.entry.id : undefined));
  const [drop, setDrop] = useState<DropTarget>();
  const [renaming, setRenaming] = useState<string>();
  const [menu, setMenu] = useState<{ x: number; y: number; row: Row; target: ActionTarget }>();
  const wrap = useRef<HTMLDivElement>(null);
  const userMoved = useRef(false);

  const layout: GraphLayout = useMemo(() => layoutSequence(project, types, seq.id), [project, types, seq.id]);
  const runs = useMemo(() => stepRuns(trace, project.name), [trace, project.name]);
  const selectedId = selection?.project === project.name ? selection.id : undefined;
  const dropInside = drop?.indicator.kind === "inside" ? drop.indicator.id : undefined;

  // Nodes are rebuilt from the model, but a node whose data did not change keeps its object, so
  // React Flow redraws only what changed (a run's status, the selection).
  const nodeCache = useRef(new Map<string, StepNode>());
  const nodes = useMemo(() => {
    const next = new Map<string, StepNode>();
    const out: StepNode[] = [];
    for (const r of layout.rows) {
      const n = project.nodes.get(r.id);
      if (!n) continue;
      const schema = types.get(n.type);
      const header = r.row === 0;
      const run = header ? undefined : runs.get(n.id);
      const status = pausedId === n.id ? "paused" : (run?.status ?? "");
      const issues = n.issues ?? [];
      const classes = [
        header ? "header" : "",
        selectedId === n.id ? "selected" : "",
        issues.length ? "invalid" : "",
        breakpoints.has(n.id) ? "breakpoint" : "",
        status ? `run-${status}` : "",
        dropInside === n.id ? "drop-inside" : "",
      ]
        .filter(Boolean)
        .join(" ");
      const data: StepData = {
        id: n.id,
        name: n.name,
        label: schema?.label ?? n.type,
        icon: glyph(schema?.icon),
        classes,
        title: [
          `${n.name} (${schema?.label ?? n.type})`,
          ...issues.map((i) => `⚠ ${i.message}`),
          run ? `Ran ${run.count}× · ${runLabel(run)}` : "",
        ]
          .filter(Boolean)
          .join("\n"),
        status,
        timing: header ? "" : runLabel(run),
        header,
        emptyBlock:
          !header && !r.hasChildren && (schema?.accepts.some((t) => types.get(t)?.category === "step") ?? false),
        renaming: renaming === n.id,
      };
      const x = r.depth * INDENT;
      const y = r.row * ROW;
      const prev = nodeCache.current.get(n.id);
      const node: StepNode =
        prev && prev.position.x === x && prev.position.y === y && sameData(prev.data, data)
          ? prev
          : {
              id: n.id,
              type: "step",
              position: { x, y },
              data,
              width: NODE_W,
              height: NODE_H,
              handles: HANDLES,
              draggable: false,
              selectable: false,
              connectable: false,
              focusable: false,
            };
      next.set(n.id, node);
      out.push(node);
    }
    nodeCache.current = next;
    return out;
  }, [layout, project, types, selectedId, breakpoints, runs, pausedId, dropInside, renaming]);

  const edgeCache = useRef(new Map<string, Edge>());
  const edges = useMemo(() => {
    const next = new Map<string, Edge>();
    const out = layout.edges.map((e) => {
      const edge = edgeCache.current.get(e.id) ?? {
        id: e.id,
        source: e.source,
        target: e.target,
        type: e.nested ? "smoothstep" : "straight",
        ...(e.nested ? { pathOptions: { offset: 6, borderRadius: 4 } } : {}),
        className: e.nested ? "gedge nested" : "gedge",
        focusable: false,
        selectable: false,
      };
      next.set(e.id, edge);
      return edge;
    });
    edgeCache.current = next;
    return out;
  }, [layout]);

  // ---- fitting and following the selection ----
  const fit = useCallback(() => {
    const el = wrap.current;
    if (!el || !el.clientWidth || !el.clientHeight) return;
    const W = el.clientWidth;
    const H = el.clientHeight;
    const w = layout.maxDepth * INDENT + NODE_W;
    const h = layout.rows.length * ROW - GAP;
    let zoom = Math.min(1, (W - 2 * PAD) / w, (H - 2 * PAD) / h);
    const fits = zoom >= MIN_FIT;
    if (!fits) zoom = Math.min(1, Math.max(MIN_FIT, (W - 2 * PAD) / w));
    const x = Math.max(PAD, (W - w * zoom) / 2);
    const y = fits ? (H - h * zoom) / 2 : PAD;
    void rf.setViewport({ x, y, zoom });
  }, [rf, layout.maxDepth, layout.rows.length]);

  useLayoutEffect(() => {
    userMoved.current = false;
  }, [seq.id]);
  useLayoutEffect(() => {
    if (!userMoved.current) fit();
  }, [fit, seq.id]);
  useEffect(() => {
    const el = wrap.current;
    if (!el) return;
    const ro = new ResizeObserver(() => {
      if (!userMoved.current) fit();
    });
    ro.observe(el);
    return () => ro.disconnect();
  }, [fit]);

  // The selected step is brought into view (a click in the tree, a new step, the debugger).
  useEffect(() => {
    const r = selectedId ? layout.byId.get(selectedId) : undefined;
    const el = wrap.current;
    if (!r || !el) return;
    const { x, y, zoom } = rf.getViewport();
    const top = r.row * ROW * zoom + y;
    const left = r.depth * INDENT * zoom + x;
    const H = el.clientHeight;
    const W = el.clientWidth;
    let ny = y;
    let nx = x;
    if (top < 0) ny = y - top + PAD;
    else if (top + NODE_H * zoom > H) ny = y - (top + NODE_H * zoom - H) - PAD;
    if (left < 0 || left + NODE_W * zoom > W) nx = PAD - r.depth * INDENT * zoom;
    if (nx !== x || ny !== y) void rf.setViewport({ x: nx, y: ny, zoom });
  }, [selectedId, layout, rf]);

  // ---- actions ----
  const layoutRef = useRef(layout);
  layoutRef.current = layout;
  const openMenu = useCallback(
    (e: { clientX: number; clientY: number; preventDefault: () => void }, id: string) => {
      e.preventDefault();
      const t = targetOf(project, id);
      if (!t) return;
      select({ project: project.name, id });
      setMenu({
        x: e.clientX,
        y: e.clientY,
        target: t,
        row: renameRow(project.name, { id, name: t.name } as StepData),
      });
    },
    [project],
  );
  const projectName = project.name;
  const actions = useMemo<GraphActions>(
    () => ({
      project: projectName,
      click: (id) => select({ project: projectName, id }, { reveal: true }),
      insert: (id, where) => {
        const p = useStudio.getState().projects[projectName];
        const t = p && targetOf(p, id);
        if (!t) return;
        select({ project: projectName, id });
        // The sequence's "+": before its first step, or inside it when it has none.
        const l = layoutRef.current;
        const first = l.rows[1];
        if (id === l.seqId && first) openPalette(targetOf(p, first.id)!, "before");
        else openPalette(t, where);
      },
      menu: openMenu,
      dragStart: (e, id) => {
        const n = useStudio.getState().projects[projectName]?.nodes.get(id);
        if (!n) return;
        beginDrag({ kind: "object", project: projectName, id, type: n.type }, e.dataTransfer);
      },
      renamed: () => {
        setRenaming(undefined);
        wrap.current?.focus();
      },
    }),
    [projectName, openMenu],
  );
  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    if (renaming || (e.target as HTMLElement).tagName === "INPUT") return;
    const id = selectedId && layout.byId.has(selectedId) ? selectedId : undefined;
    if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      e.preventDefault();
      const next = neighbourRow(layout, id ?? seq.id, e.key === "ArrowDown" ? 1 : -1);
      if (next) select({ project: project.name, id: next }, { reveal: true });
      return;
    }
    const t = id && targetOf(project, id);
    if (t && objectKey(e, t, { rename: () => setRenaming(id) })) e.preventDefault();
  };

  // ---- drops from the palette, the tree or the graph itself ----
  const targetAt = (e: DragEvent): { t: DropTarget; type: string; moving?: string } | undefined => {
    const d = currentDrag();
    // The designer's components go on pages, not in sequences.
    if (!d || d.kind === "ui" || (d.kind === "object" && d.project !== project.name)) return undefined;
    const pos = rf.screenToFlowPosition({ x: e.clientX, y: e.clientY });
    const y = pos.y + GAP / 2;
    const row = Math.floor(y / ROW);
    const pointer = { row, fraction: (y - row * ROW) / ROW, depth: Math.floor(pos.x / INDENT) };
    const moving = d.kind === "object" ? d.id : undefined;
    const type = d.kind === "type" ? d.type : (project.nodes.get(d.id)?.type ?? "");
    const t = dropTarget(layout, project, types, type, pointer, moving);
    return t && { t, type, ...(moving ? { moving } : {}) };
  };
  const onDragOver = (e: DragEvent<HTMLDivElement>) => {
    const hit = targetAt(e);
    if (!hit) {
      if (drop) setDrop(undefined);
      return;
    }
    e.preventDefault();
    e.dataTransfer.dropEffect = hit.moving ? "move" : "copy";
    const key = (d?: DropTarget) => (d ? `${d.place.parent}:${d.place.index}:${JSON.stringify(d.indicator)}` : "");
    if (key(hit.t) !== key(drop)) setDrop(hit.t);
  };
  const onDrop = (e: DragEvent<HTMLDivElement>) => {
    const hit = targetAt(e);
    endDrag();
    setDrop(undefined);
    if (!hit) return;
    e.preventDefault();
    if (hit.moving) moveTo(project.name, hit.moving, hit.t.place);
    else createAt(project.name, hit.type, hit.t.place);
  };

  const line = drop?.indicator.kind === "line" ? drop.indicator : undefined;
  return (
    <Actions.Provider value={actions}>
      <div
        ref={wrap}
        className="graph nokey"
        role="figure"
        aria-label={`Graph of ${seq.name}`}
        data-testid="graph"
        tabIndex={0}
        onKeyDown={onKeyDown}
        onDragOver={onDragOver}
        onDragLeave={(e) => {
          if (!e.currentTarget.contains(e.relatedTarget as globalThis.Node | null)) setDrop(undefined);
        }}
        onDrop={onDrop}
      >
        <ReactFlow
          nodes={nodes}
          edges={edges}
          nodeTypes={nodeTypes}
          nodesDraggable={false}
          nodesConnectable={false}
          nodesFocusable={false}
          edgesFocusable={false}
          elementsSelectable={false}
          disableKeyboardA11y
          deleteKeyCode={null}
          selectionKeyCode={null}
          multiSelectionKeyCode={null}
          zoomOnDoubleClick={false}
          panOnScroll
          onMoveStart={(ev) => {
            if (ev) userMoved.current = true;
          }}
          onNodeClick={(_e, n) => actions.click(n.id)}
          onPaneContextMenu={(e) => openMenu(e, seq.id)}
          onPaneClick={() => wrap.current?.focus()}
          colorMode={theme}
          onlyRenderVisibleElements
          proOptions={{ hideAttribution: true }}
          minZoom={0.2}
          maxZoom={2}
        >
          {/* No dotted background: repainting it on every frame of a pan cost 60 fps zoomed out. */}
          <Controls position="top-right" showInteractive={false} showFitView={false}>
            <ControlButton
              aria-label="Fit the graph"
              title="Fit the graph"
              data-testid="graph-fit"
              onClick={() => {
                userMoved.current = false;
                fit();
              }}
            >
              ⤢
            </ControlButton>
          </Controls>
          {line && (
            <ViewportPortal>
              <div
                className="graph-drop-line"
                data-testid="graph-drop-line"
                style={{
                  transform: `translate(${line.depth * INDENT}px, ${line.row * ROW + NODE_H + GAP / 2 - 1}px)`,
                  width: NODE_W,
                }}
              />
            </ViewportPortal>
          )}
        </ReactFlow>
      </div>
      {menu && (
        <ContextMenu
          menu={menu}
          items={objectMenuItems(menu.target, {
            rename: () => setRenaming(menu.target.id),
          })}
          onClose={() => {
            setMenu(undefined);
            wrap.current?.focus();
          }}
        />
      )}
    </Actions.Provider>
  );
}
