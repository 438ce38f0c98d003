import { useMemo, useState, type KeyboardEvent } from "react";
import { flatProject, type RefProject, type TypeLookup } from "../../../engine/common/model/reference-rules.ts";
import type { FlatNode } from "../../../engine/common/studio/api.ts";
import { modelSchemas } from "../../../engine/common/ui/binding-checks.ts";
import { filterTree, findBinding, pickerTree, type PickNode, type SourceBinding } from "../binding-picker-model.ts";
import { currentRunSchemas } from "../problems-store.ts";
import { useStudio } from "../store.ts";
import type { ProjectState } from "../tree-model.ts";
import { Modal } from "./Modal.tsx";

/** The keys of the nodes on the way to `target` (to open the tree at the current source). */
function pathTo(nodes: readonly PickNode[], target: PickNode | undefined, trail: string[] = []): string[] | undefined {
  if (!target) return undefined;
  for (const n of nodes) {
    if (n.key === target.key) return trail;
    const inner = pathTo(n.children, target, [...trail, n.key]);
    if (inner) return inner;
  }
  return undefined;
}

/**
 * The binding picker (design §6.4): what is in scope at the edited UI object (sequences, FullSync
 * views, ForEach items, forms, states, inputs, the event, earlier actions, sync and app fields) as
 * a tree of their schemas' fields; clicking one gives its source binding. The schemas are those the
 * Problems view checks against (the projects' own and the last runs'), so what is offered passes.
 */
export function BindingPicker({
  project,
  node,
  value,
  onPick,
  onClose,
}: {
  project: ProjectState;
  node: FlatNode;
  value: unknown;
  onPick: (b: SourceBinding) => void;
  onClose: () => void;
}) {
  const projects = useStudio((s) => s.projects);
  const types = useStudio((s) => s.types);
  const tree = useMemo(() => {
    const lookup: TypeLookup = (t) => types.get(t);
    const all: RefProject<FlatNode>[] = [];
    for (const p of Object.values(projects)) {
      const r = p && flatProject(p.name, p.rootId, p.nodes, lookup);
      if (r) all.push(r);
    }
    const here = all.find((r) => r.name === project.name);
    return here ? pickerTree(here, node.id, modelSchemas(all, lookup, currentRunSchemas())) : [];
  }, [projects, types, project.name, node.id]);
  const current = useMemo(() => findBinding(tree, value), [tree, value]);
  const [filter, setFilter] = useState("");
  // Groups and the way to the current source start open; the rest opens on demand.
  const [open, setOpen] = useState<Set<string>>(
    () => new Set([...tree.map((g) => g.key), ...(pathTo(tree, current) ?? [])]),
  );
  const shown = useMemo(() => filterTree(tree, filter), [tree, filter]);
  const filtering = filter.trim() !== "";

  const toggle = (key: string) =>
    setOpen((s) => {
      const next = new Set(s);
      if (next.has(key)) next.delete(key);
      else next.add(key);
      return next;
    });

  const onKey = (e: KeyboardEvent, n: PickNode, expanded: boolean) => {
    if ((e.key === "Enter" || e.key === " ") && n.binding) {
      e.preventDefault();
      onPick(n.binding);
    } else if (e.key === "ArrowRight" && n.children.length && !expanded) {
      e.preventDefault();
      toggle(n.key);
    } else if (e.key === "ArrowLeft" && expanded) {
      e.preventDefault();
      toggle(n.key);
    }
  };

  const render = (nodes: readonly PickNode[], level: number) =>
    nodes.map((n) => {
      const expanded = n.children.length > 0 && (filtering || open.has(n.key));
      return (
        <li
          key={n.key}
          role="treeitem"
          aria-label={n.label}
          aria-level={level}
          aria-selected={current?.key === n.key}
          {...(n.children.length ? { "aria-expanded": expanded } : {})}
        >
          <div
            className={`pick-row${n.binding ? " pickable" : " pick-group"}${current?.key === n.key ? " current" : ""}`}
            tabIndex={0}
            onClick={() => (n.binding ? onPick(n.binding) : toggle(n.key))}
            onKeyDown={(e) => onKey(e, n, expanded)}
          >
            {n.children.length > 0 ? (
              <button
                type="button"
                className="pick-toggle"
                tabIndex={-1}
                aria-hidden="true"
                onClick={(e) => {
                  e.stopPropagation();
                  toggle(n.key);
                }}
              >
                {expanded ? "▾" : "▸"}
              </button>
            ) : (
              <span className="pick-toggle" aria-hidden="true" />
            )}
            <span className="pick-label">
              {n.label}
              {n.array ? "[]" : ""}
            </span>
            {n.detail && <span className="pick-detail">{n.detail}</span>}
          </div>
          {expanded && <ul role="group">{render(n.children, level + 1)}</ul>}
        </li>
      );
    });

  return (
    <Modal title="Pick a source" wide onClose={onClose} testId="binding-picker">
      <input
        type="search"
        className="pick-filter"
        aria-label="Filter sources"
        placeholder="Filter: a sequence, a field, a state…"
        value={filter}
        onChange={(e) => setFilter(e.target.value)}
      />
      {shown.length === 0 ? (
        <p className="hint">{tree.length === 0 ? "Nothing is in scope here." : `Nothing matches "${filter}".`}</p>
      ) : (
        <ul className="pick-tree" role="tree" aria-label="Sources">
          {render(shown, 1)}
        </ul>
      )}
      <p className="help">
        A list is marked [] and its fields are read at its first item: to show every item, bind a ForEach to the list
        and read its item inside.
      </p>
      <div className="modal-buttons">
        <button type="button" onClick={onClose}>
          Cancel
        </button>
      </div>
    </Modal>
  );
}
