import {
  useEffect,
  useLayoutEffect,
  useMemo,
  useRef,
  useState,
  type DragEvent,
  type KeyboardEvent,
  type MouseEvent,
} from "react";
import { api } from "../api.ts";
import { glyph } from "../icons.ts";
import { requestRename } from "../rename.ts";
import { keyOf, mutate, notify, select, toggle, toggleBreakpoint, useStudio } from "../store.ts";
import {
  addWhere,
  askDelete as askDeleteObjects,
  beginDrag,
  canAdd,
  currentDrag,
  dropOnTree,
  endDrag,
  objectKey,
  objectMenuItems,
  openPalette as openPaletteAt,
} from "../object-actions.ts";
import { openProjectDialog, projectKey, projectMenuItems } from "../project-actions.ts";
import { isStep, navigate, parseKey, renameProblem, visibleRows, WORKSPACE_KEY, type Row } from "../tree-model.ts";
import { failedTestMarks } from "../tree-marks.ts";

const ROW_HEIGHT = 24;
const OVERSCAN = 12;

interface Menu {
  x: number;
  y: number;
  row: Row;
}

type DropPlace = "before" | "after" | "inside";

/** The project explorer: a virtualized, keyboard-driven tree of the workspace. */
export function Explorer() {
  const workspace = useStudio((s) => s.workspace);
  const projects = useStudio((s) => s.projects);
  const expanded = useStudio((s) => s.expanded);
  const selection = useStudio((s) => s.selection);
  const types = useStudio((s) => s.types);
  const filter = useStudio((s) => s.filter);
  const breakpoints = useStudio((s) => s.breakpoints);
  const run = useStudio((s) => s.run);
  const clipboard = useStudio((s) => s.clipboard);
  const testResults = useStudio((s) => s.testResults);
  const testMarks = useMemo(() => failedTestMarks(testResults), [testResults]);
  const focusFilter = useStudio((s) => s.focusFilter);
  const [renaming, setRenaming] = useState<string>();
  const [menu, setMenu] = useState<Menu>();
  const [scrollTop, setScrollTop] = useState(0);
  const [height, setHeight] = useState(600);
  const [drop, setDrop] = useState<{ key: string; place: DropPlace }>();
  const [wsActive, setWsActive] = useState(false);
  const scroller = useRef<HTMLDivElement>(null);
  const treeRef = useRef<HTMLDivElement>(null);
  const filterRef = useRef<HTMLInputElement>(null);

  const projectNames = useMemo(
    () => (workspace?.projects ?? []).map((p) => p.name).filter((n) => projects[n]),
    [workspace, projects],
  );
  const wsName = workspace ? (workspace.dir.split(/[\\/]/).filter(Boolean).at(-1) ?? "Workspace") : "Workspace";
  const rows = useMemo(
    () => visibleRows(wsName, projectNames, projects, expanded, filter, types),
    [wsName, projectNames, projects, expanded, filter, types],
  );
  const activeKey = wsActive || !selection ? WORKSPACE_KEY : keyOf(selection);
  const activeIndex = rows.findIndex((r) => r.key === activeKey);

  useLayoutEffect(() => {
    const el = scroller.current;
    if (!el) return;
    const ro = new ResizeObserver(() => setHeight(el.clientHeight));
    ro.observe(el);
    setHeight(el.clientHeight);
    return () => ro.disconnect();
  }, []);

  // Keep the active row in view.
  useEffect(() => {
    const el = scroller.current;
    if (!el || activeIndex < 0) return;
    const top = activeIndex * ROW_HEIGHT;
    if (top < el.scrollTop) el.scrollTop = top;
    else if (top + ROW_HEIGHT > el.scrollTop + el.clientHeight) el.scrollTop = top + ROW_HEIGHT - el.clientHeight;
  }, [activeIndex]);

  useEffect(() => {
    if (focusFilter) filterRef.current?.focus();
  }, [focusFilter]);

  const first = Math.max(0, Math.floor(scrollTop / ROW_HEIGHT) - OVERSCAN);
  const last = Math.min(rows.length, Math.ceil((scrollTop + height) / ROW_HEIGHT) + OVERSCAN);
  const shown = rows.slice(first, last);

  const activate = (row: Row) => {
    if (row.kind === "workspace") {
      setWsActive(true);
      select(undefined);
    } else {
      setWsActive(false);
      select({ project: row.project, id: row.id });
    }
  };

  // The actions are shared with the graph (object-actions.ts): one definition for both views.
  const openPalette = (row: Row) => openPaletteAt(row);
  const askDelete = (row: Row) => {
    if (row.kind === "object") askDeleteObjects(row.project, [row.id]);
  };

  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    if (renaming) return;
    const row = rows[activeIndex];
    if (["ArrowDown", "ArrowUp", "ArrowLeft", "ArrowRight", "Home", "End", "PageDown", "PageUp"].includes(e.key)) {
      e.preventDefault();
      const r = navigate(rows, activeKey, e.key);
      if (r.toggle && row) toggle(row.key, r.toggle === "open");
      if (r.key) {
        const next = rows.find((x) => x.key === r.key);
        if (next) activate(next);
      }
      return;
    }
    if (!row) return;
    if (e.key === "Enter" || e.key === " ") {
      e.preventDefault();
      if (row.hasChildren) toggle(row.key);
    } else if (row.kind === "project" && projectKey(e, row.project)) {
      e.preventDefault();
    } else if (objectKey(e, row, { rename: () => setRenaming(row.key) })) {
      e.preventDefault();
    }
  };

  const onContextMenu = (e: MouseEvent, row: Row) => {
    e.preventDefault();
    activate(row);
    setMenu({ x: e.clientX, y: e.clientY, row });
  };

  // ---- drag and drop ----
  const dragData = useRef<{ project: string; id: string }>(undefined);
  const placeOf = (e: DragEvent, row: Row): DropPlace => {
    const rect = (e.currentTarget as HTMLElement).getBoundingClientRect();
    const y = e.clientY - rect.top;
    if (row.kind === "project") return "inside";
    if (y < rect.height * 0.25) return "before";
    if (y > rect.height * 0.75) return "after";
    return "inside";
  };
  const onDrop = (e: DragEvent, row: Row) => {
    e.preventDefault();
    const src = dragData.current;
    setDrop(undefined);
    if ((!src && !currentDrag()) || row.kind === "workspace") return;
    const place = placeOf(e, row);
    const p = projects[row.project];
    const target = p?.nodes.get(row.id);
    if (!p || !target) return;
    let parent = target.id;
    let index: number | undefined;
    if (place !== "inside" && target.parent !== undefined) {
      parent = target.parent;
      const siblings = p.nodes.get(parent)!.children;
      index = siblings.indexOf(target.id) + (place === "after" ? 1 : 0);
    }
    // A type from the palette, a step from the graph, a row of this tree (object-actions.ts).
    if (dropOnTree(row.project, { parent, ...(index !== undefined ? { index } : {}) }) || !src) return;
    void mutate(
      () => api.move(src.project, [src.id], parent, index, src.project === row.project ? undefined : row.project),
      row.project,
    );
  };

  const menuItems = (row: Row) => [
    ...objectMenuItems(row, { rename: () => setRenaming(row.key) }),
    ...(row.kind === "project" ? projectMenuItems(row.project) : []),
  ];

  const sel = rows[activeIndex];
  const selNode = sel && sel.kind !== "workspace" ? projects[sel.project]?.nodes.get(sel.id) : undefined;

  return (
    <section className="explorer" aria-label="Project explorer">
      <div className="pane-header">
        <span className="pane-title">Explorer</span>
        <div className="toolbar" role="toolbar" aria-label="Explorer actions">
          <button
            type="button"
            title="New project"
            aria-label="New project"
            onClick={() => useStudio.setState({ dialog: { kind: "new-project" } })}
          >
            +▣
          </button>
          <button
            type="button"
            title={addWhere(sel) === "after" ? "Insert after the selection (Insert)" : "Add child (Insert)"}
            aria-label={addWhere(sel) === "after" ? "Insert after" : "Add child"}
            disabled={!canAdd(sel)}
            onClick={() => sel && openPalette(sel)}
          >
            +
          </button>
          <button
            type="button"
            title="Rename (F2)"
            aria-label="Rename"
            disabled={sel?.kind !== "object" && sel?.kind !== "project"}
            onClick={() =>
              sel && (sel.kind === "project" ? openProjectDialog("rename", sel.project) : setRenaming(sel.key))
            }
          >
            ✎
          </button>
          <button
            type="button"
            title="Duplicate (Ctrl+D)"
            aria-label="Duplicate"
            disabled={sel?.kind !== "object" && sel?.kind !== "project"}
            onClick={() =>
              sel &&
              (sel.kind === "project"
                ? openProjectDialog("duplicate", sel.project)
                : void mutate(() => api.duplicate(sel.project, [sel.id]), sel.project))
            }
          >
            ❐
          </button>
          <button
            type="button"
            title="Delete (Delete)"
            aria-label="Delete"
            disabled={sel?.kind !== "object" && sel?.kind !== "project"}
            onClick={() => sel && (sel.kind === "project" ? openProjectDialog("delete", sel.project) : askDelete(sel))}
          >
            ✕
          </button>
        </div>
      </div>
      <div className="filter">
        <input
          ref={filterRef}
          type="search"
          placeholder="Filter by name, type or value (Ctrl+F)"
          aria-label="Filter the explorer"
          value={filter}
          onChange={(e) => useStudio.setState({ filter: e.target.value })}
          onKeyDown={(e) => {
            if (e.key === "Escape") useStudio.setState({ filter: "" });
            if (e.key === "ArrowDown" || e.key === "Enter") {
              e.preventDefault();
              treeRef.current?.focus();
            }
          }}
        />
      </div>
      <div className="tree-scroller" ref={scroller} onScroll={(e) => setScrollTop(e.currentTarget.scrollTop)}>
        <div
          ref={treeRef}
          role="tree"
          aria-label="Workspace"
          tabIndex={0}
          aria-activedescendant={activeIndex >= 0 ? `row-${activeIndex}` : undefined}
          className="tree"
          style={{ height: rows.length * ROW_HEIGHT }}
          onKeyDown={onKeyDown}
          data-testid="explorer-tree"
        >
          {shown.map((row, i) => {
            const index = first + i;
            const node = row.kind !== "workspace" ? projects[row.project]?.nodes.get(row.id) : undefined;
            const schema = types.get(row.type);
            const step = isStep(node, types);
            const failing =
              run.status === "done" &&
              !run.failureEdited &&
              run.error?.step?.id === row.id &&
              run.error.step.project === row.project;
            const paused = run.paused?.entry.id === row.id && run.paused.entry.project === row.project;
            const issues = node?.issues ?? [];
            const testFailure = testMarks.get(row.key);
            const classes = [
              "row",
              index === activeIndex ? "selected" : "",
              row.invalid ? "invalid" : "",
              failing ? "run-error" : "",
              testFailure ? "test-failed" : "",
              paused ? "paused" : "",
              clipboard?.mode === "cut" && clipboard.project === row.project && clipboard.ids.includes(row.id)
                ? "cut"
                : "",
              drop?.key === row.key ? `drop-${drop.place}` : "",
            ];
            return (
              <div
                key={row.key}
                id={`row-${index}`}
                role="treeitem"
                aria-label={row.name}
                aria-level={row.depth + 1}
                aria-posinset={row.pos}
                aria-setsize={row.size}
                aria-selected={index === activeIndex}
                aria-expanded={row.hasChildren ? row.expanded : undefined}
                aria-invalid={row.invalid || undefined}
                data-key={row.key}
                data-type={row.type}
                className={classes.join(" ")}
                style={{ top: index * ROW_HEIGHT, height: ROW_HEIGHT, paddingLeft: 4 + row.depth * 14 }}
                onClick={() => {
                  activate(row);
                  treeRef.current?.focus();
                }}
                onDoubleClick={() => row.hasChildren && toggle(row.key)}
                onContextMenu={(e) => onContextMenu(e, row)}
                draggable={row.kind === "object"}
                onDragStart={(e) => {
                  dragData.current = { project: row.project, id: row.id };
                  beginDrag({ kind: "object", project: row.project, id: row.id, type: row.type });
                  e.dataTransfer.effectAllowed = "move";
                  e.dataTransfer.setData("text/plain", row.name);
                }}
                onDragOver={(e) => {
                  if ((!dragData.current && !currentDrag()) || row.kind === "workspace") return;
                  e.preventDefault();
                  const place = placeOf(e, row);
                  if (drop?.key !== row.key || drop.place !== place) setDrop({ key: row.key, place });
                }}
                onDragEnd={endDrag}
                onDragLeave={() => setDrop(undefined)}
                onDrop={(e) => onDrop(e, row)}
                title={
                  issues.length
                    ? issues.map((x) => x.message).join("\n")
                    : (testFailure ?? `${row.name} (${schema?.label ?? row.type})`)
                }
              >
                <span
                  className="twisty"
                  aria-hidden="true"
                  onClick={(e) => {
                    e.stopPropagation();
                    if (row.hasChildren) toggle(row.key);
                  }}
                >
                  {row.hasChildren ? (row.expanded ? "▾" : "▸") : ""}
                </span>
                {step ? (
                  <span
                    className={`bp ${breakpoints.has(row.id) ? "on" : ""}`}
                    aria-hidden="true"
                    title={breakpoints.has(row.id) ? "Breakpoint (F9 to remove)" : "Set a breakpoint (F9)"}
                    onClick={(e) => {
                      e.stopPropagation();
                      toggleBreakpoint(row.id);
                    }}
                  />
                ) : (
                  <span className="bp-space" />
                )}
                <span className="icon" aria-hidden="true">
                  {glyph(row.kind === "workspace" ? "workspace" : schema?.icon)}
                </span>
                {renaming === row.key ? (
                  <RenameBox
                    row={row}
                    onDone={() => {
                      setRenaming(undefined);
                      treeRef.current?.focus();
                    }}
                  />
                ) : (
                  <span className="name" title={row.name}>
                    {row.name}
                  </span>
                )}
                {row.kind === "object" && <span className="type">{schema?.label ?? row.type}</span>}
                {issues.length > 0 && (
                  <span className="issue-mark" aria-hidden="true">
                    ⚠
                  </span>
                )}
                {testFailure && (
                  <span className="test-mark" aria-hidden="true" data-testid="test-failed-mark">
                    ✘
                  </span>
                )}
              </div>
            );
          })}
        </div>
      </div>
      {selNode?.issues?.length ? (
        <div className="tree-issues" role="status" aria-label="Problems of the selected object">
          {selNode.issues.map((i, k) => (
            <div key={k}>⚠ {i.message}</div>
          ))}
        </div>
      ) : null}
      {menu && (
        <ContextMenu
          menu={menu}
          items={menuItems(menu.row)}
          onClose={() => {
            setMenu(undefined);
            treeRef.current?.focus();
          }}
        />
      )}
    </section>
  );
}

export function RenameBox({ row, onDone }: { row: Row; onDone: () => void }) {
  const [value, setValue] = useState(row.name);
  const ref = useRef<HTMLInputElement>(null);
  const done = useRef(false);
  useEffect(() => {
    ref.current?.focus();
    ref.current?.select();
  }, []);
  const commit = () => {
    if (done.current) return;
    done.current = true;
    const name = value.trim();
    if (name && name !== row.name) {
      const { projects, types } = useStudio.getState();
      const project = projects[row.project];
      const problem = project && renameProblem(project, row.id, name, types);
      if (problem) notify(problem.message);
      else void requestRename(row.project, row.id, name);
    }
    onDone();
  };
  return (
    <input
      ref={ref}
      className="rename"
      aria-label="New name"
      value={value}
      onChange={(e) => setValue(e.target.value)}
      onClick={(e) => e.stopPropagation()}
      onKeyDown={(e) => {
        e.stopPropagation();
        if (e.key === "Enter") commit();
        if (e.key === "Escape") {
          done.current = true;
          onDone();
        }
      }}
      onBlur={commit}
    />
  );
}

export function ContextMenu({
  menu,
  items,
  onClose,
}: {
  menu: Menu;
  items: { label: string; key?: string; action: () => void; disabled?: boolean }[];
  onClose: () => void;
}) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    (ref.current?.querySelector("button:not([disabled])") as HTMLElement | null)?.focus();
    const close = (e: Event) => {
      if (!ref.current?.contains(e.target as Node)) onClose();
    };
    window.addEventListener("mousedown", close);
    return () => window.removeEventListener("mousedown", close);
  }, [onClose]);
  return (
    <div
      ref={ref}
      className="context-menu"
      role="menu"
      aria-label={`Actions on ${menu.row.name}`}
      style={{ left: menu.x, top: menu.y }}
      onKeyDown={(e) => {
        const buttons = [...(ref.current?.querySelectorAll("button:not([disabled])") ?? [])] as HTMLElement[];
        const i = buttons.indexOf(document.activeElement as HTMLElement);
        if (e.key === "Escape") onClose();
        if (e.key === "ArrowDown") buttons[(i + 1) % buttons.length]?.focus();
        if (e.key === "ArrowUp") buttons[(i - 1 + buttons.length) % buttons.length]?.focus();
      }}
    >
      {items.map((it) => (
        <button
          key={it.label}
          type="button"
          role="menuitem"
          disabled={it.disabled}
          onClick={() => {
            onClose();
            it.action();
          }}
        >
          <span>{it.label}</span>
          {it.key && <kbd>{it.key}</kbd>}
        </button>
      ))}
    </div>
  );
}

export { parseKey };
