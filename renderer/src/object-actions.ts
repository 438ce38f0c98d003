/**
 * The actions on an object, shared by the explorer and the sequence graph (two views of the same
 * store): the context menu's items, the keys of a focused view, adding at a place (the palette),
 * moving, and what is being dragged (a palette type or an object) between the palette, the tree
 * and the graph.
 */
import { api } from "./api.ts";
import { autoPlace, clampIndex, defaultWhere, whereOptions, type Place, type Where } from "./graph-model.ts";
import {
  copy,
  findReferences,
  mutate,
  notify,
  openDeploy,
  openNewJob,
  paste,
  toggleBreakpoint,
  useStudio,
} from "./store.ts";
import { generateRestApi } from "./rest-actions.ts";
import { sqlTestMessage } from "./sql-model.ts";
import { isStep } from "./tree-model.ts";
import { objectsFor, placeAtSelection, placeProblem, type UiPaletteItem } from "./ui-palette.ts";

/** An object as the actions see it (the explorer's rows and the graph's nodes both are one). */
export interface ActionTarget {
  kind: "workspace" | "project" | "object";
  project: string;
  id: string;
  key: string;
  name: string;
  type: string;
}

export interface MenuItem {
  label: string;
  key?: string;
  action: () => void;
  disabled?: boolean;
}

/** What the view offers that the actions cannot do alone (renaming happens in the view). */
export interface ViewHooks {
  rename: () => void;
}

const WHERE_ITEM: Record<Where, string> = {
  inside: "Add child…",
  after: "Insert after…",
  before: "Insert before…",
};

/** Opens the palette to add at a target (where: its default place, or the one given). */
export function openPalette(t: ActionTarget, where?: Where): void {
  if (t.kind === "workspace") {
    useStudio.setState({ dialog: { kind: "new-project" } });
    return;
  }
  const { projects, types } = useStudio.getState();
  const p = projects[t.project];
  const node = p?.nodes.get(t.id);
  if (!p || !node) return;
  const w = where ?? defaultWhere(p, types, t.id);
  const parent = w === "inside" ? t.id : (node.parent ?? t.id);
  useStudio.setState({ dialog: { kind: "palette", project: t.project, parent, target: t.id, where: w } });
}

/** Can anything be added at the target (inside it, or next to it)? */
export function canAdd(t: ActionTarget | undefined): boolean {
  if (!t) return false;
  if (t.kind === "workspace") return true;
  const { projects, types } = useStudio.getState();
  const p = projects[t.project];
  return Boolean(p && whereOptions(p, types, t.id).length);
}

/** Where "Add" puts things for this target (the explorer's + button says it). */
export function addWhere(t: ActionTarget | undefined): Where {
  if (!t || t.kind !== "object") return "inside";
  const { projects, types } = useStudio.getState();
  const p = projects[t.project];
  return p ? defaultWhere(p, types, t.id) : "inside";
}

export function askDelete(project: string, ids: string[]): void {
  useStudio.setState({ dialog: { kind: "confirm-delete", project, ids } });
}

export function duplicate(project: string, ids: string[]): void {
  void mutate(() => api.duplicate(project, ids), project);
}

/** Creates an object of `type` at a place (its index kept within its category's range). */
export function createAt(project: string, type: string, place: { parent: string; index?: number }): void {
  const { projects, types } = useStudio.getState();
  const p = projects[project];
  if (!p) return;
  const index = clampIndex(p, place.parent, type, types, place.index);
  void mutate(() => api.create(project, { parent: place.parent, type, index }), project);
}

/** The name a palette item shows (a drag's text). */
function uiItemName(item: UiPaletteItem): string {
  if (item.kind === "component") return item.component;
  return item.item.type === "Directive"
    ? item.item.kind
    : item.item.type === "UseShared"
      ? item.item.component
      : "Text";
}

/**
 * Adds what a designer's palette entry makes (a catalogue component with its default children,
 * a text, a directive, a shared component) at a place, as one undoable change; the new object is
 * selected.
 */
export function addUi(project: string, item: UiPaletteItem, place: { parent: string; index?: number }): void {
  const p = useStudio.getState().projects[project];
  if (!p?.nodes.has(place.parent)) return;
  // The catalogue's rules, as the Problems view checks them (a Col goes only in a Row...).
  const why = placeProblem(p, place.parent, item);
  if (why) {
    notify(`${uiItemName(item)} cannot go there: ${why}`);
    return;
  }
  const made = objectsFor(p, place.parent, item);
  if (!made) {
    notify(`"${uiItemName(item)}" is not in the component catalogue`);
    return;
  }
  void mutate(() => api.paste(project, place.parent, [made], place.index, "Add"), project);
}

/** Adds a palette entry at the selection (the designer palette's Enter or double click). */
export function addUiAtSelection(item: UiPaletteItem): void {
  const { projects, selection } = useStudio.getState();
  const p = selection ? projects[selection.project] : undefined;
  if (!p || !selection) return;
  const place = placeAtSelection(p, selection.id, item);
  if (!place) {
    notify(`A ${uiItemName(item)} cannot go at "${p.nodes.get(selection.id)?.name ?? ""}" or around it`);
    return;
  }
  addUi(p.name, item, place);
}

/** Creates an object of `type` next to the selection (the palette's Enter), where its rules allow. */
export function insertAtSelection(type: string): void {
  const { projects, types, selection } = useStudio.getState();
  const p = selection ? projects[selection.project] : undefined;
  const label = types.get(type)?.label ?? type;
  if (!p || !selection) {
    notify(`Select where to add the ${label} first (a sequence or a step)`);
    return;
  }
  const place = autoPlace(p, types, selection.id, type);
  if (!place) {
    notify(`A ${label} cannot be added at "${p.nodes.get(selection.id)?.name ?? ""}" or around it`);
    return;
  }
  void mutate(() => api.create(p.name, { parent: place.parent, type, index: place.index }), p.name);
}

/** Moves an object to a place (its own project). */
export function moveTo(project: string, id: string, place: Place): void {
  void mutate(() => api.move(project, [id], place.parent, place.index), project);
}

/** The context menu of an object: the same in the explorer and in the graph. */
export function objectMenuItems(t: ActionTarget, view: ViewHooks): MenuItem[] {
  const { projects, types, clipboard } = useStudio.getState();
  if (t.kind === "workspace") {
    return [
      { label: "New project…", action: () => useStudio.setState({ dialog: { kind: "new-project" } }) },
      {
        label: "Import Convertigo project…",
        action: () => useStudio.setState({ dialog: { kind: "import-convertigo" } }),
      },
    ];
  }
  const p = projects[t.project];
  const node = p?.nodes.get(t.id);
  const cat = node ? types.get(node.type)?.category : undefined;
  const options = p && node ? whereOptions(p, types, t.id) : [];
  const first = options[0];
  const items: MenuItem[] = [
    {
      label: WHERE_ITEM.inside,
      ...(first === "inside" ? { key: "Insert" } : {}),
      action: () => openPalette(t, "inside"),
      disabled: !options.includes("inside"),
    },
  ];
  if (t.kind === "object" && options.includes("after"))
    items.push({
      label: WHERE_ITEM.after,
      ...(first === "after" ? { key: "Insert" } : {}),
      action: () => openPalette(t, "after"),
    });
  if (t.kind === "object") {
    items.push(
      { label: "Rename", key: "F2", action: view.rename, disabled: false },
      { label: "Duplicate", key: "Ctrl+D", action: () => duplicate(t.project, [t.id]), disabled: false },
      { label: "Cut", key: "Ctrl+X", action: () => copy(t.project, [t.id], "cut"), disabled: false },
      { label: "Copy", key: "Ctrl+C", action: () => copy(t.project, [t.id], "copy"), disabled: false },
    );
  }
  items.push({
    label: "Paste",
    key: "Ctrl+V",
    action: () => void paste({ project: t.project, id: t.id }),
    disabled: !clipboard,
  });
  if (t.kind === "project") items.push({ label: "Deploy…", action: () => openDeploy(t.project), disabled: false });
  if (t.kind === "project" || node?.type === "UrlMapper")
    items.push({ label: "Generate REST API from sequences", action: () => void generateRestApi(t.project) });
  if (t.kind === "object") {
    if (isStep(node, types))
      items.push({ label: "Toggle breakpoint", key: "F9", action: () => toggleBreakpoint(t.id), disabled: false });
    if (cat === "transaction" || cat === "sequence")
      items.push({ label: "Find references", action: () => void findReferences(t.project, t.id), disabled: false });
    if (cat === "sequence" && node)
      items.push({ label: "Schedule…", action: () => openNewJob(t.project, node.name), disabled: false });
    if (node?.type === "SoapConnector")
      items.push({ label: "Import WSDL operations", action: () => importWsdl(t.project, t.id), disabled: false });
    if (node?.type === "SqlConnector")
      items.push({
        label: "Test connection",
        action: () => testSqlConnection(t.project, t.id, t.name),
        disabled: false,
      });
    items.push({ label: "Delete", key: "Delete", action: () => askDelete(t.project, [t.id]), disabled: false });
  }
  return items;
}

/** Adds a SOAP connector's missing operations as transactions, and says how many. */
function importWsdl(project: string, id: string): void {
  void mutate(async () => {
    const r = await api.importWsdl(project, id);
    notify(
      r.added === 0
        ? `Every operation of the WSDL (${r.operations}) already has a transaction`
        : `${r.added} transaction${r.added === 1 ? "" : "s"} made from the WSDL's ${r.operations} operations`,
      "info",
    );
    return r;
  }, project);
}

/** Opens a SQL connector's database and says the server's version, or the database's error. */
function testSqlConnection(project: string, id: string, name: string): void {
  notify(`${name}: connecting…`, "info");
  api.sqlTest(project, id).then(
    (r) => notify(sqlTestMessage(name, r), r.ok ? "info" : "error"),
    (e: Error) => notify(`${name}: ${e.message}`),
  );
}

/**
 * The keys of an object in a focused view (F2, Delete, Insert, F9, Ctrl+C/X/V/D); answers
 * whether the key was one of them (the caller then prevents its default).
 */
export function objectKey(
  e: { key: string; ctrlKey: boolean; metaKey: boolean; altKey: boolean },
  t: ActionTarget,
  view: ViewHooks,
): boolean {
  const ctrl = e.ctrlKey || e.metaKey;
  const k = e.key.toLowerCase();
  const obj = t.kind === "object";
  if (e.key === "F2" && obj) view.rename();
  else if (e.key === "Delete" && obj) askDelete(t.project, [t.id]);
  else if (e.key === "Insert" || (ctrl && e.altKey && k === "n")) openPalette(t);
  else if (e.key === "F9" && obj) {
    const s = useStudio.getState();
    if (!isStep(s.projects[t.project]?.nodes.get(t.id), s.types)) return false;
    toggleBreakpoint(t.id);
  } else if (ctrl && k === "c" && obj) copy(t.project, [t.id], "copy");
  else if (ctrl && k === "x" && obj) copy(t.project, [t.id], "cut");
  else if (ctrl && k === "v" && t.kind !== "workspace") void paste({ project: t.project, id: t.id });
  else if (ctrl && k === "d" && obj) duplicate(t.project, [t.id]);
  else return false;
  return true;
}

// ---- dragging between the palette, the tree and the graph ----

/** What is being dragged: a type from the palette, or an object from the tree or the graph. */
export type StudioDrag =
  | { kind: "type"; type: string }
  | { kind: "object"; project: string; id: string; type: string }
  | { kind: "ui"; item: UiPaletteItem };

/** The MIME type of a drag from the palette (a browser wants some data in a drag). */
export const TYPE_MIME = "application/x-atelier-type";

let drag: StudioDrag | undefined;

export function beginDrag(d: StudioDrag, dt?: DataTransfer): void {
  drag = d;
  if (dt) {
    dt.effectAllowed = d.kind === "object" ? "move" : "copy";
    if (d.kind === "type") dt.setData(TYPE_MIME, d.type);
    dt.setData("text/plain", d.kind === "type" ? d.type : d.kind === "ui" ? uiItemName(d.item) : d.id);
  }
}

export function endDrag(): void {
  drag = undefined;
}

/** The drag under way in this window, if any. */
export function currentDrag(): StudioDrag | undefined {
  return drag;
}

/**
 * A drop on the tree of what the palette or the graph dragged: a new object at the place (its
 * index kept within its category's range), or a move. Answers false when the drag is not theirs.
 */
export function dropOnTree(project: string, place: { parent: string; index?: number }): boolean {
  const d = drag;
  drag = undefined;
  if (!d) return false;
  if (d.kind === "type") createAt(project, d.type, place);
  else if (d.kind === "ui") addUi(project, d.item, place);
  else
    void mutate(
      () => api.move(d.project, [d.id], place.parent, place.index, d.project === project ? undefined : project),
      project,
    );
  return true;
}
