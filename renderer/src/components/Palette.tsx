import { useMemo, useState, type KeyboardEvent } from "react";
import type { TypeSchema } from "../../../engine/common/model/typedef.ts";
import {
  acceptedAt,
  clampIndex,
  groupTypes,
  paletteGroup,
  paletteTypes,
  placeFor,
  searchTypes,
  whereOptions,
  type Where,
} from "../graph-model.ts";
import { glyph } from "../icons.ts";
import { addUi, beginDrag, createAt, endDrag, insertAtSelection } from "../object-actions.ts";
import type { ProjectState } from "../tree-model.ts";
import {
  placedOf,
  placeProblem,
  screenHolder,
  sharedComponentNames,
  uiPaletteEntries,
  type UiPaletteItem,
} from "../ui-palette.ts";
import { useStudio } from "../store.ts";
import { enclosingRequestable } from "../tree-model.ts";
import { Modal } from "./Modal.tsx";

const close = () => useStudio.setState({ dialog: undefined });

/** The UI object types a catalogue entry stands for in the Add dialog. */
const UI_NODE_TYPES = ["Component", "Text", "Directive", "UseShared"];

/**
 * The designer's palette entries that may go under `holderId` (a page, a component, a shared
 * component, a directive), as entries of the Add dialog's list (category "ui": the group
 * "Components"), each with what it adds and the object type it is placed as.
 */
function uiChoices(p: ProjectState, holderId: string): { schema: TypeSchema; item: UiPaletteItem; type: string }[] {
  const holder = screenHolder(p, holderId);
  if (!holder || !["Page", "SharedComponent", "Component"].includes(holder.type)) return [];
  return uiPaletteEntries(sharedComponentNames(p, holder.id))
    .filter((e) => placeProblem(p, holder.id, e.item) === undefined)
    .map((e) => ({
      item: e.item,
      type: placedOf(e.item).type,
      schema: {
        type: `ui:${e.key}`,
        label: e.label,
        category: "ui",
        icon: e.item.kind === "component" ? "component" : "directive",
        description: `${e.group}: ${e.help}`,
        props: [],
        accepts: [],
        runnable: false,
      },
    }));
}

/** The order types are shown in: grouped without a search, best match first with one. */
function shownTypes(list: readonly TypeSchema[], q: string): TypeSchema[] {
  return q.trim() ? searchTypes(list, q) : groupTypes(list).flatMap((g) => g.types);
}

/**
 * A searchable list of types: grouped (Flow, Output, Calls...) without a search, ranked with
 * one; one line each with the type's description. The search box drives it (↑ ↓, Enter).
 */
function TypeList({
  id,
  label,
  shown,
  grouped,
  active,
  setActive,
  onPick,
  draggable,
  testId,
}: {
  id: string;
  label: string;
  shown: TypeSchema[];
  grouped: boolean;
  active: TypeSchema | undefined;
  setActive: (i: number) => void;
  onPick: (type: string) => void;
  draggable?: boolean;
  testId?: string;
}) {
  const option = (t: TypeSchema) => {
    const i = shown.indexOf(t);
    return (
      <div
        key={t.type}
        id={`${id}-${t.type}`}
        role="option"
        aria-selected={active?.type === t.type}
        aria-label={t.label}
        data-testid={`${id}-item-${t.type}`}
        title={`${t.label}: ${t.description}${draggable ? "\nDrag it onto the graph or the tree, or press Enter to add it at the selection." : ""}`}
        className={`palette-item ${active?.type === t.type ? "active" : ""}`}
        draggable={draggable}
        onDragStart={(e) => beginDrag({ kind: "type", type: t.type }, e.dataTransfer)}
        onDragEnd={endDrag}
        onMouseEnter={draggable ? undefined : () => setActive(i)}
        onClick={draggable ? () => setActive(i) : () => onPick(t.type)}
        onDoubleClick={draggable ? () => onPick(t.type) : undefined}
      >
        <span className="icon">{glyph(t.icon)}</span>
        <span className="palette-label">{t.label}</span>
        <span className="palette-desc">{grouped ? t.description : `${paletteGroup(t)} · ${t.description}`}</span>
      </div>
    );
  };
  return (
    <div className="palette" role="listbox" id={`${id}-list`} aria-label={label} data-testid={testId}>
      {shown.length === 0 && <p className="hint">Nothing can be added here that matches.</p>}
      {grouped
        ? groupTypes(shown).map((g) => (
            <div key={g.group} role="group" aria-label={g.group} className="palette-group">
              <div className="palette-group-title" aria-hidden="true">
                {g.group}
              </div>
              {g.types.map(option)}
            </div>
          ))
        : shown.map(option)}
    </div>
  );
}

/** ↑ ↓ in a search box move the active item of its list. */
function moveKeys(e: KeyboardEvent, count: number, setActive: (f: (a: number) => number) => void): void {
  if (e.key === "ArrowDown") {
    e.preventDefault();
    setActive((a) => Math.min(a + 1, count - 1));
  } else if (e.key === "ArrowUp") {
    e.preventDefault();
    setActive((a) => Math.max(a - 1, 0));
  }
}

const WHERE_LABEL: Record<Where, string> = { inside: "Inside", after: "After", before: "Before" };

/**
 * The Add dialog (Insert, the explorer's +, the graph's +): the types that may go at the place,
 * searchable, and where relative to the target (inside it, after it, before it).
 */
export function PaletteDialog({
  project,
  parent,
  index,
  target,
  where: initialWhere,
}: {
  project: string;
  parent: string;
  index?: number;
  target?: string;
  where?: Where;
}) {
  const types = useStudio((s) => s.types);
  const p = useStudio((s) => s.projects[project]);
  const [where, setWhere] = useState<Where | undefined>(initialWhere);
  const [q, setQ] = useState("");
  const [active, setActive] = useState(0);
  const targetNode = target ? p?.nodes.get(target) : undefined;
  const parentNode = p?.nodes.get(parent);
  const options = useMemo(() => (p && target ? whereOptions(p, types, target) : []), [p, types, target]);
  const accepted = useMemo(() => {
    if (p && target && where) return acceptedAt(p, types, target, where);
    return (types.get(parentNode?.type ?? "")?.accepts ?? []).map((t) => types.get(t)!).filter(Boolean);
  }, [p, types, target, where, parentNode]);
  // Where it goes on screen: the catalogue's components (with their default children), the
  // texts, directives and shared components, instead of an empty generic Component.
  const holderId = target && where && where !== "inside" ? p?.nodes.get(target)?.parent : (target ?? parent);
  const ui = useMemo(() => (p && holderId ? uiChoices(p, holderId) : []), [p, holderId]);
  const offered = useMemo(
    () =>
      ui.length ? [...accepted.filter((t) => !UI_NODE_TYPES.includes(t.type)), ...ui.map((u) => u.schema)] : accepted,
    [accepted, ui],
  );
  const shown = useMemo(() => shownTypes(offered, q), [offered, q]);
  const current = shown[Math.min(active, shown.length - 1)];
  const add = (type: string) => {
    if (!p) return;
    const choice = ui.find((u) => u.schema.type === type);
    const placeType = choice ? choice.type : type;
    const place =
      target && where
        ? placeFor(p, types, target, placeType, where)
        : { parent, index: clampIndex(p, parent, placeType, types, index) };
    close();
    if (place && choice) addUi(project, choice.item, place);
    else if (place) createAt(project, type, place);
  };
  const name = (targetNode ?? parentNode)?.name ?? "";
  const title =
    !target || !where || where === "inside"
      ? `Add to ${name}`
      : `Insert ${where === "after" ? "after" : "before"} ${name}`;
  return (
    <Modal title={title} onSubmit={() => current && add(current.type)} testId="palette-dialog">
      <input
        aria-label="Search types"
        placeholder="Type to search…"
        value={q}
        onChange={(e) => {
          setQ(e.target.value);
          setActive(0);
        }}
        onKeyDown={(e) => moveKeys(e, shown.length, setActive)}
        aria-controls="add-list"
        aria-activedescendant={current ? `add-${current.type}` : undefined}
      />
      {options.length > 1 && where && (
        <div className="palette-where">
          <label htmlFor="palette-where">Where</label>
          <select
            id="palette-where"
            data-testid="palette-where"
            value={where}
            onChange={(e) => {
              setWhere(e.target.value as Where);
              setActive(0);
            }}
          >
            {options.map((w) => (
              <option key={w} value={w}>
                {WHERE_LABEL[w]} {targetNode?.name}
              </option>
            ))}
          </select>
        </div>
      )}
      <TypeList
        id="add"
        label="Object types"
        shown={shown}
        grouped={!q.trim()}
        active={current}
        setActive={setActive}
        onPick={add}
      />
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

/**
 * The docked palette beside the graph: every type a sequence can hold (or the selected
 * transaction), grouped, searchable; drag one onto the graph or the tree, or press Enter (or
 * double-click) to add it at the selection (after a step, inside a block or sequence).
 */
export function PalettePanel() {
  const types = useStudio((s) => s.types);
  const rootType = useStudio((s) => {
    const p = s.selection ? s.projects[s.selection.project] : undefined;
    return (p && s.selection && enclosingRequestable(p, s.selection.id, s.types)?.node.type) || "Sequence";
  });
  const [q, setQ] = useState("");
  const [active, setActive] = useState(0);
  const all = useMemo(() => paletteTypes(types, [rootType]), [types, rootType]);
  const shown = useMemo(() => shownTypes(all, q), [all, q]);
  const current = shown[Math.min(active, shown.length - 1)];
  return (
    <section className="palette-panel" aria-label="Palette" data-testid="palette-panel">
      <input
        type="search"
        aria-label="Search the palette"
        data-testid="palette-search"
        placeholder="Search steps…"
        value={q}
        onChange={(e) => {
          setQ(e.target.value);
          setActive(0);
        }}
        onKeyDown={(e) => {
          moveKeys(e, shown.length, setActive);
          if (e.key === "Enter" && current) {
            e.preventDefault();
            insertAtSelection(current.type);
          } else if (e.key === "Escape") setQ("");
        }}
        aria-controls="palette-list"
        aria-activedescendant={current ? `palette-${current.type}` : undefined}
      />
      <TypeList
        id="palette"
        label="Step types"
        shown={shown}
        grouped={!q.trim()}
        active={current}
        setActive={setActive}
        onPick={insertAtSelection}
        draggable
        testId="palette"
      />
    </section>
  );
}
