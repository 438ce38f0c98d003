import { useEffect, useId, useMemo, useRef, useState } from "react";
import { isPlainObject } from "../../../engine/common/model/props.ts";
import type { FlatNode } from "../../../engine/common/studio/api.ts";
import { actionByName, type ActionInput } from "../../../engine/common/ui/actions.ts";
import { componentByName, IONIC_COLORS, type CatalogueProp } from "../../../engine/common/ui/catalogue.ts";
import { bindingMode, bindingSummary, type BindingMode, type SourceBinding } from "../binding-picker-model.ts";
import { useUnsavedValue } from "../field-errors.ts";
import { useProblemList } from "../problems-store.ts";
import { useStudio } from "../store.ts";
import type { ProjectState } from "../tree-model.ts";
import { BindingPicker } from "./BindingPicker.tsx";

/** The same quiet time as the other fields of the panel: a value is saved 150 ms after the last keystroke. */
const DEBOUNCE_MS = 150;

/** What the panel's edit session is told: which fields hold unsaved text (its revision waits for them). */
export interface DirtyFields {
  dirty: Set<string>;
}

/** A property of the type schema, as the panel passes it. */
interface PropLike {
  name: string;
  label: string;
  help?: string;
  required?: boolean;
}

/** What a plain value is (a catalogue prop's or an action input's kind), when known. */
export interface PlainSpec {
  kind: string;
  values?: string[];
  default?: unknown;
  /** A binding may stand for the value (default true): otherwise there is no mode switch. */
  bindable?: boolean;
  /** For `reference` inputs: the names offered. */
  options?: string[];
}

/**
 * Saves a value a moment after the last edit, as the panel's other fields do: the edit session
 * knows the field is dirty (so the object's revision is not moved under it), the Studio can flush
 * it before a run or a close (`pendingFlushes`), and leaving the object saves what was typed.
 */
function useDebouncedSave(key: string, session: DirtyFields, save: (v: unknown) => Promise<unknown>) {
  const timer = useRef<ReturnType<typeof setTimeout>>(undefined);
  const pending = useRef<{ value: unknown } | undefined>(undefined);
  const saveRef = useRef(save);
  saveRef.current = save;
  const flush = async () => {
    clearTimeout(timer.current);
    const p = pending.current;
    if (!p) return;
    pending.current = undefined;
    session.dirty.delete(key);
    useStudio.getState().pendingFlushes.delete(entry.current);
    await saveRef.current(p.value);
  };
  const flushRef = useRef(flush);
  flushRef.current = flush;
  const entry = useRef(() => flushRef.current());
  useEffect(() => () => void flushRef.current(), []);
  return {
    /** Saves `value` after the quiet time. */
    later(value: unknown) {
      pending.current = { value };
      session.dirty.add(key);
      useStudio.getState().pendingFlushes.add(entry.current);
      clearTimeout(timer.current);
      timer.current = setTimeout(() => void flushRef.current(), DEBOUNCE_MS);
    },
    /** Saves `value` now (a click: a checkbox, a choice, a picked source), dropping what was pending. */
    now(value: unknown) {
      pending.current = { value };
      void flushRef.current();
    },
    flush: () => void flushRef.current(),
    isDirty: () => pending.current !== undefined,
  };
}

/** The text a plain value is shown as. */
function plainText(kind: string, v: unknown): string {
  if (v === undefined || v === null || isPlainObject(v)) return "";
  if (kind === "json") return typeof v === "string" ? JSON.stringify(v) : JSON.stringify(v);
  if (kind === "stringList" && Array.isArray(v)) return v.join("\n");
  return typeof v === "string" ? v : JSON.stringify(v);
}

/** A typed plain text as the value saved: undefined when empty; an Error when it cannot be one. */
function parsePlain(kind: string, text: string): unknown {
  if (text.trim() === "") return undefined;
  if (kind === "number") {
    const n = Number(text);
    return Number.isFinite(n) ? n : new Error(`"${text}" is not a number`);
  }
  if (kind === "json") {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      // A bare word is a text: `Toast` of "hello" needs no quotes.
      return /^[\s\w.,:;!?'-]*$/.test(text) && !/^(true|false|null|-?\d)/.test(text.trim())
        ? text
        : new Error("not JSON (write a text, a number, true/false, or an object or list in JSON)");
    }
  }
  if (kind === "stringList") {
    const items = text
      .split("\n")
      .map((s) => s.trim())
      .filter(Boolean);
    return items.length ? items : undefined;
  }
  return text;
}

const MODES: { mode: BindingMode; label: string; help: string }[] = [
  { mode: "plain", label: "Plain", help: "A value written here" },
  { mode: "source", label: "Source", help: "Read from a sequence, a view, a state, an item, a form…" },
  {
    mode: "script",
    label: "Script",
    help: "A JavaScript expression over item, form, state, input, out, event, sync, app",
  },
];

/**
 * One value of the UI builder (kind "binding", design §4.1): plain, a source or a script, with a
 * mode switch. Plain values are edited as their catalogue kind says (a checkbox, a choice, a
 * number, a text with suggestions); a source is shown in words and picked in the binding picker; a
 * script is one expression. Saved as the panel saves: typed text after a quiet time, clicks at once.
 */
export function BindingField({
  saveKey,
  label,
  help,
  required,
  value,
  plain,
  problems,
  project,
  node,
  session,
  onSave,
}: {
  /** Unique among the panel's fields (the dirty mark): the prop, and the entry of a map. */
  saveKey: string;
  label: string;
  help?: string;
  required?: boolean;
  value: unknown;
  plain?: PlainSpec;
  /** Problems of this value: the engine's checks, the binding checks, a refused save. */
  problems: readonly string[];
  project: ProjectState;
  node: FlatNode;
  session: DirtyFields;
  onSave: (v: unknown) => Promise<unknown>;
}) {
  const id = useId();
  const kind = plain?.kind ?? "string";
  const bindable = plain?.bindable !== false;
  const saver = useDebouncedSave(saveKey, session, onSave);
  const valueKey = JSON.stringify(value ?? null);
  const [mode, setMode] = useState<BindingMode>(() => bindingMode(value));
  const [draft, setDraft] = useState(() =>
    bindingMode(value) === "script" ? String((value as { script: string }).script) : plainText(kind, value),
  );
  const [localError, setLocalError] = useState<string>();
  const [picking, setPicking] = useState(false);

  // Follow the saved value when nothing is being typed here (another window, an undo).
  useEffect(() => {
    if (saver.isDirty()) return;
    const m = bindingMode(value);
    if (value !== undefined) setMode(m);
    setDraft(m === "script" ? String((value as { script: string }).script) : plainText(kind, value));
    // Keyed on the value's JSON: a delta brings a new object for an unchanged value.
  }, [valueKey, kind]);

  const typed = (text: string) => {
    setDraft(text);
    if (mode === "script") {
      setLocalError(undefined);
      saver.later(text.trim() === "" ? undefined : { script: text });
      return;
    }
    const v = parsePlain(kind, text);
    if (v instanceof Error) {
      // Not saved: what was typed stays, with why.
      setLocalError(`${label}: ${v.message}`);
      return;
    }
    setLocalError(undefined);
    saver.later(v);
  };

  const switchTo = (m: BindingMode) => {
    if (m === mode) return;
    setMode(m);
    setLocalError(undefined);
    if (m === "source") {
      setPicking(true);
      return;
    }
    // A plain text becomes the script's text and back, when it reads as one.
    const text =
      m === "script"
        ? mode === "plain" && value !== undefined && !isPlainObject(value)
          ? JSON.stringify(value)
          : ""
        : "";
    setDraft(text);
    if (mode === "source" || text === "") return; // kept until something is typed
    saver.now({ script: text });
  };

  const shownProblems = [...(localError ? [localError] : []), ...problems];
  const errId = `${id}-err`;
  const helpId = `${id}-help`;
  const describedBy = [helpId, shownProblems.length ? errId : ""].filter(Boolean).join(" ");
  const invalid = shownProblems.length > 0;
  const isSet = value !== undefined;

  let control: React.ReactNode;
  if (mode === "source") {
    const nameOf = (x: string) => project.nodes.get(x)?.name;
    const src = bindingMode(value) === "source" ? value : undefined;
    control = (
      <div className="binding-source">
        <output id={id} className={`binding-summary${invalid ? " invalid" : ""}`} aria-describedby={describedBy}>
          {src ? bindingSummary(src, nameOf) : "(no source yet)"}
        </output>
        <button type="button" onClick={() => setPicking(true)}>
          Pick…
        </button>
        {isPlainObject(src) && (src.source === "view" || src.source === "doc") && (
          <ReadOptions
            binding={src}
            saveKey={saveKey}
            project={project}
            node={node}
            session={session}
            onChange={(next) => saver.now(next)}
          />
        )}
      </div>
    );
  } else if (mode === "script") {
    control = (
      <input
        id={id}
        type="text"
        className="binding-script"
        aria-label={`${label} script`}
        aria-describedby={describedBy}
        aria-invalid={invalid}
        spellCheck={false}
        placeholder="state.user + ' (' + sync.pending + ')'"
        value={draft}
        onChange={(e) => typed(e.target.value)}
        onBlur={saver.flush}
        onKeyDown={(e) => e.key === "Enter" && saver.flush()}
      />
    );
  } else if (kind === "boolean") {
    const checked = Boolean(isSet ? value : plain?.default);
    control = (
      <span className={`checkbox ${isSet ? "" : "is-default"}`}>
        <input
          id={id}
          type="checkbox"
          aria-describedby={describedBy}
          checked={checked}
          onChange={(e) => saver.now(e.target.checked === Boolean(plain?.default) ? undefined : e.target.checked)}
        />
        {!isSet && <span className="default-note">default</span>}
      </span>
    );
  } else if (kind === "enum") {
    const values = plain?.values ?? [];
    control = (
      <select
        id={id}
        aria-describedby={describedBy}
        aria-invalid={invalid}
        className={isSet ? "" : "is-default"}
        value={isSet ? String(value) : ""}
        onChange={(e) => saver.now(e.target.value === "" ? undefined : e.target.value)}
      >
        <option value="">{plain?.default !== undefined ? `${String(plain.default)} (default)` : "(none)"}</option>
        {values.map((v) => (
          <option key={v} value={v}>
            {v}
          </option>
        ))}
        {isSet && !values.includes(String(value)) && <option value={String(value)}>{String(value)} (invalid)</option>}
      </select>
    );
  } else if (kind === "text" || kind === "stringList") {
    control = (
      <textarea
        id={id}
        rows={3}
        aria-describedby={describedBy}
        aria-invalid={invalid}
        className={isSet ? "" : "is-default"}
        placeholder={kind === "stringList" ? "One value per line" : plainText(kind, plain?.default)}
        value={draft}
        onChange={(e) => typed(e.target.value)}
        onBlur={saver.flush}
      />
    );
  } else {
    const suggestions = kind === "color" ? (plain?.values ?? IONIC_COLORS) : (plain?.options ?? plain?.values ?? []);
    control = (
      <>
        <input
          id={id}
          type={kind === "number" ? "number" : "text"}
          step={kind === "number" ? "any" : undefined}
          aria-describedby={describedBy}
          aria-invalid={invalid}
          className={isSet ? "" : "is-default"}
          placeholder={plainText(kind, plain?.default)}
          value={draft}
          list={suggestions.length ? `${id}-list` : undefined}
          onChange={(e) => typed(e.target.value)}
          onBlur={saver.flush}
          onKeyDown={(e) => e.key === "Enter" && saver.flush()}
        />
        {suggestions.length > 0 && (
          <datalist id={`${id}-list`}>
            {suggestions.map((s) => (
              <option key={s} value={s} />
            ))}
          </datalist>
        )}
      </>
    );
  }

  return (
    <div className={`field binding-field kind-binding mode-${mode}`} data-prop={saveKey}>
      <div className="binding-head">
        <label htmlFor={id}>
          {label}
          {required && (
            <span className="required" aria-hidden="true">
              {" "}
              *
            </span>
          )}
        </label>
        {bindable && (
          <span className="binding-modes" role="radiogroup" aria-label={`${label}: value from`}>
            {MODES.map((m) => (
              <button
                key={m.mode}
                type="button"
                role="radio"
                aria-checked={mode === m.mode}
                title={m.help}
                className={mode === m.mode ? "active" : ""}
                onClick={() => switchTo(m.mode)}
              >
                {m.label}
              </button>
            ))}
          </span>
        )}
      </div>
      {control}
      {shownProblems.length > 0 && (
        <div id={errId} className="field-error" role="alert">
          {shownProblems.join("; ")}
        </div>
      )}
      {isSet && bindingMode(value) !== mode && mode !== "source" && (
        // Switching modes writes nothing: the saved value stays until another one is given.
        <div className="help" role="status">
          Still saved: {bindingSummary(value, (x) => project.nodes.get(x)?.name)}. Type to replace it.
        </div>
      )}
      <div id={helpId} className="help">
        {help}
      </div>
      {picking && (
        <BindingPicker
          project={project}
          node={node}
          value={value}
          onClose={() => {
            setPicking(false);
            if (bindingMode(value) !== "source") setMode(bindingMode(value));
          }}
          onPick={(b: SourceBinding) => {
            setPicking(false);
            setMode("source");
            saver.now(b);
          }}
        />
      )}
    </div>
  );
}

/**
 * How a FullSync read is made: live (read again at each change of the device database), and for
 * a view, its rows' documents and the key its rows are read at (a value, a source, a script: the
 * user's orders are the rows at the user State's value).
 */
function ReadOptions({
  binding,
  saveKey,
  project,
  node,
  session,
  onChange,
}: {
  binding: Record<string, unknown>;
  saveKey: string;
  project: ProjectState;
  node: FlatNode;
  session: DirtyFields;
  onChange: (next: Record<string, unknown>) => void;
}) {
  // Shown at once as changed here; the saved value takes over when it comes back.
  const savedKey = JSON.stringify(binding);
  const [shown, setShown] = useState(binding);
  // Keyed on the JSON: a delta brings a new object for an unchanged binding.
  useEffect(() => setShown(binding), [savedKey]);
  const change = (next: Record<string, unknown>) => {
    setShown(next);
    onChange(next);
  };
  const query = isPlainObject(shown.query) ? shown.query : {};
  const withQuery = (key: string, v: unknown) => {
    const q: Record<string, unknown> = { ...query };
    if (v === undefined || v === false) delete q[key];
    else q[key] = v;
    const next: Record<string, unknown> = { ...shown, query: q };
    if (!Object.keys(q).length) delete next.query;
    change(next);
  };
  const liveId = useId();
  const docsId = useId();
  return (
    <div className="read-options" role="group" aria-label="How it is read">
      <span className="checkbox">
        <input
          id={liveId}
          type="checkbox"
          checked={shown.live === true}
          onChange={(e) => {
            const next: Record<string, unknown> = { ...shown };
            if (e.target.checked) next.live = true;
            else delete next.live;
            change(next);
          }}
        />
        <label htmlFor={liveId}>Live (follows the changes)</label>
      </span>
      {shown.source === "view" && (
        <>
          <span className="checkbox">
            <input
              id={docsId}
              type="checkbox"
              checked={query.include_docs === true}
              onChange={(e) => withQuery("include_docs", e.target.checked)}
            />
            <label htmlFor={docsId}>With the documents</label>
          </span>
          <BindingField
            saveKey={`${saveKey}.query.key`}
            label="Key"
            help="The rows read are those at this key (empty: all the rows)."
            value={query.key}
            problems={[]}
            project={project}
            node={node}
            session={session}
            onSave={async (v) => withQuery("key", v)}
          />
        </>
      )}
    </div>
  );
}

/** The messages said of one property of the object: the engine's checks, the Problems view's binding checks. */
function useFieldProblems(project: string, node: FlatNode, prop: string): string[] {
  const problems = useProblemList((s) => s.problems);
  return useMemo(() => {
    const out = new Set<string>();
    for (const i of node.issues ?? []) if (i.prop === prop) out.add(i.message);
    for (const p of problems) {
      if (p.project === project && p.id === node.id && p.prop === prop && p.kind !== "unsaved") out.add(p.message);
    }
    return [...out];
  }, [problems, project, node, prop]);
}

/** A `binding` property of an object (a Component's text, a Directive's items or condition...). */
export function BindingPropField({
  prop,
  node,
  project,
  session,
  onSave,
}: {
  prop: PropLike;
  node: FlatNode;
  project: ProjectState;
  session: DirtyFields;
  onSave: (value: unknown) => Promise<unknown>;
}) {
  const problems = useFieldProblems(project.name, node, prop.name);
  const refused = useUnsavedValue(project.name, node.id, prop.name);
  return (
    <BindingField
      saveKey={prop.name}
      label={prop.label}
      {...(prop.help ? { help: prop.help } : {})}
      {...(prop.required ? { required: true } : {})}
      value={node.props[prop.name]}
      problems={refused ? [refused.message, ...problems] : problems}
      project={project}
      node={node}
      session={session}
      onSave={onSave}
    />
  );
}

/** The names a `reference` action input may take, from the project. */
function referenceNames(input: ActionInput, project: ProjectState): string[] {
  const { types, workspace } = useStudio.getState();
  if (input.refersTo === "project") return (workspace?.projects ?? []).map((p) => p.name);
  const out = new Set<string>();
  for (const n of project.nodes.values()) {
    const cat = types.get(n.type)?.category;
    if (
      (input.refersTo === "sequence" && cat === "sequence") ||
      (input.refersTo === "connector" && cat === "connector") ||
      (input.refersTo === "page" && n.type === "Page") ||
      (input.refersTo === "state" && n.type === "State") ||
      (input.refersTo === "sharedAction" && n.type === "SharedAction")
    ) {
      out.add(n.name);
    }
    if (input.refersTo === "view" && n.type === "FullSyncView" && n.parent !== undefined) {
      out.add(`${project.nodes.get(n.parent)?.name ?? ""}/${n.name}`);
    }
  }
  return [...out].sort();
}

/** What an entry of a `bindings` map is: from the component or action catalogue. */
interface EntrySpec {
  name: string;
  help: string;
  required?: boolean;
  plain: PlainSpec;
  /** A map of bindings one level down (a Call Sequence's variables, a page's parameters). */
  map?: boolean;
}

function catalogueEntries(node: FlatNode, project: ProjectState): EntrySpec[] | undefined {
  if (node.type === "Component" && typeof node.props.component === "string") {
    const c = componentByName(node.props.component);
    if (!c) return undefined;
    return Object.entries(c.props).map(([name, p]: [string, CatalogueProp]) => ({
      name,
      help: p.help,
      ...(p.required ? { required: true } : {}),
      plain: {
        kind: p.kind,
        ...(p.values ? { values: p.values } : {}),
        ...(p.default !== undefined ? { default: p.default } : {}),
        ...(p.bindable === false ? { bindable: false } : {}),
      },
    }));
  }
  if (node.type === "Action" && typeof node.props.action === "string") {
    const a = actionByName(node.props.action);
    if (!a) return undefined;
    return Object.entries(a.inputs).map(([name, i]) => ({
      name,
      help: i.help,
      ...(i.required ? { required: true } : {}),
      ...(i.kind === "bindings" ? { map: true } : {}),
      plain: {
        kind: i.kind === "reference" ? "string" : i.kind,
        ...(i.values ? { values: i.values } : {}),
        ...(i.default !== undefined && i.kind !== "bindings" ? { default: i.default } : {}),
        ...(i.bindable === false ? { bindable: false } : {}),
        ...(i.kind === "reference" ? { options: referenceNames(i, project) } : {}),
      },
    }));
  }
  // A use of a shared component: one field per input it declares (ComponentInput), typed by its schema.
  if (node.type === "UseShared" && typeof node.props.component === "string") {
    const shared = [...project.nodes.values()].find(
      (n) => n.type === "SharedComponent" && n.name === node.props.component,
    );
    if (!shared) return undefined;
    return shared.children
      .map((id) => project.nodes.get(id))
      .filter((c): c is FlatNode => c?.type === "ComponentInput")
      .map((input) => {
        const schema = isPlainObject(input.props.schema) ? input.props.schema : {};
        const kind = schema.type === "boolean" || schema.type === "number" ? schema.type : "string";
        const values = Array.isArray(schema.enum) ? schema.enum.filter((v): v is string => typeof v === "string") : [];
        return {
          name: input.name,
          help:
            typeof input.props.comment === "string" && input.props.comment !== ""
              ? input.props.comment
              : `An input of ${shared.name}`,
          plain: {
            kind: values.length ? "enum" : kind,
            ...(values.length ? { values } : {}),
            ...(input.props.default !== undefined ? { default: input.props.default } : {}),
          },
        };
      });
  }
  return undefined;
}

/** The names an entry map offers: a called sequence's variables. */
function mapNameOptions(node: FlatNode, entry: string, project: ProjectState): string[] {
  if (node.type !== "Action" || node.props.action !== "CallSequence" || entry !== "variables") return [];
  const inputs = isPlainObject(node.props.inputs) ? node.props.inputs : {};
  const projectName = typeof inputs.project === "string" && inputs.project ? inputs.project : project.name;
  const p = useStudio.getState().projects[projectName];
  if (!p || typeof inputs.sequence !== "string") return [];
  const types = useStudio.getState().types;
  const root = p.nodes.get(p.rootId);
  const seq = root?.children
    .map((c) => p.nodes.get(c))
    .find((c) => c !== undefined && c.name === inputs.sequence && types.get(c.type)?.category === "sequence");
  return (seq?.children ?? [])
    .map((c) => p.nodes.get(c))
    .filter((c): c is FlatNode => !!c && types.get(c.type)?.category === "variable")
    .map((c) => c.name);
}

/**
 * A `bindings` property (a Component's or an Action's inputs, a UseShared's): one binding field
 * per catalogue entry under "Properties", each setting or unsetting its key of the map; keys the
 * catalogue does not list are shown too (nothing is hidden), with the check's word on them.
 */
export function BindingsPropField({
  prop,
  node,
  project,
  session,
  onSave,
}: {
  prop: PropLike;
  node: FlatNode;
  project: ProjectState;
  session: DirtyFields;
  onSave: (value: unknown) => Promise<unknown>;
}) {
  const value = isPlainObject(node.props[prop.name]) ? (node.props[prop.name] as Record<string, unknown>) : {};
  const problems = useFieldProblems(project.name, node, prop.name);
  const refused = useUnsavedValue(project.name, node.id, prop.name);
  const entries = catalogueEntries(node, project);
  // The map as last saved from here: two entries saved before the first delta comes back both stay.
  const latest = useRef(value);
  const valueKey = JSON.stringify(value);
  useEffect(() => {
    latest.current = value; // keyed on the JSON: a delta brings a new object for an unchanged map
  }, [valueKey]);
  const saveEntry = (key: string, v: unknown) => {
    const next = { ...latest.current };
    if (v === undefined) delete next[key];
    else next[key] = v;
    latest.current = next;
    return onSave(Object.keys(next).length ? next : undefined);
  };
  const about = (key: string) =>
    problems.filter((m) => m.startsWith(`${prop.label} › ${key}`) || m.includes(`"${key}"`));
  const listed = new Set(entries?.map((e) => e.name) ?? []);
  const others = Object.keys(value).filter((k) => !listed.has(k));
  const general = problems.filter((m) => ![...listed, ...others].some((k) => about(k).includes(m)));

  const field = (e: EntrySpec) =>
    e.map ? (
      <BindingMapField
        key={e.name}
        label={e.name}
        help={e.help}
        value={value[e.name]}
        names={mapNameOptions(node, e.name, project)}
        problems={about(e.name)}
        project={project}
        node={node}
        session={session}
        saveKey={`${prop.name}.${e.name}`}
        onSave={(v) => saveEntry(e.name, v)}
      />
    ) : (
      <BindingField
        key={e.name}
        saveKey={`${prop.name}.${e.name}`}
        label={e.name}
        help={e.help}
        {...(e.required ? { required: true } : {})}
        value={value[e.name]}
        plain={e.plain}
        problems={about(e.name)}
        project={project}
        node={node}
        session={session}
        onSave={(v) => saveEntry(e.name, v)}
      />
    );

  return (
    <fieldset className="prop-group binding-map" data-prop={prop.name}>
      <legend>{prop.label}</legend>
      {(general.length > 0 || refused) && (
        <div className="field-error" role="alert">
          {[...(refused ? [refused.message] : []), ...general].join("; ")}
        </div>
      )}
      {entries === undefined ? (
        <BindingMapField
          label={prop.label}
          help={prop.help ?? ""}
          value={value}
          names={[]}
          problems={[]}
          project={project}
          node={node}
          session={session}
          saveKey={prop.name}
          onSave={onSave}
          flat
        />
      ) : (
        <>
          {entries.map(field)}
          {others.map((k) =>
            field({
              name: k,
              help: "Not a property of this component: the check below says why.",
              plain: { kind: "string" },
            }),
          )}
        </>
      )}
    </fieldset>
  );
}

/** An editable map name → binding (a Call Sequence's variables, a page's parameters, a shared component's inputs). */
function BindingMapField({
  label,
  help,
  value,
  names,
  problems,
  project,
  node,
  session,
  saveKey,
  onSave,
  flat,
}: {
  label: string;
  help: string;
  value: unknown;
  /** Names to suggest for a new entry. */
  names: string[];
  problems: string[];
  project: ProjectState;
  node: FlatNode;
  session: DirtyFields;
  saveKey: string;
  onSave: (v: unknown) => Promise<unknown>;
  /** The map is the whole property (no legend of its own). */
  flat?: boolean;
}) {
  const map = isPlainObject(value) ? value : {};
  const latest = useRef(map);
  const mapKey = JSON.stringify(map);
  useEffect(() => {
    latest.current = map; // keyed on the JSON: a delta brings a new object for an unchanged map
  }, [mapKey]);
  const [adding, setAdding] = useState("");
  const listId = useId();
  const set = (k: string, v: unknown) => {
    const next = { ...latest.current };
    if (v === undefined) delete next[k];
    else next[k] = v;
    latest.current = next;
    return onSave(Object.keys(next).length ? next : undefined);
  };
  const add = () => {
    const k = adding.trim();
    if (!k || Object.hasOwn(latest.current, k)) return;
    setAdding("");
    void set(k, "");
  };
  const free = names.filter((n) => !Object.hasOwn(map, n));
  return (
    <div className={`binding-entries${flat ? " flat" : ""}`} role="group" aria-label={label}>
      {!flat && <div className="label">{label}</div>}
      {Object.entries(map).map(([k, v]) => (
        <div key={k} className="binding-entry">
          <BindingField
            saveKey={`${saveKey}.${k}`}
            label={k}
            value={v}
            problems={problems.filter((m) => m.includes(k))}
            project={project}
            node={node}
            session={session}
            onSave={(x) => set(k, x)}
          />
          <button type="button" className="link" aria-label={`Remove ${k}`} onClick={() => void set(k, undefined)}>
            Remove
          </button>
        </div>
      ))}
      <div className="binding-add">
        <input
          aria-label={`New name in ${label}`}
          placeholder={free.length ? `e.g. ${free[0]}` : "name"}
          value={adding}
          list={free.length ? listId : undefined}
          onChange={(e) => setAdding(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === "Enter") {
              e.preventDefault();
              add();
            }
          }}
        />
        {free.length > 0 && (
          <datalist id={listId}>
            {free.map((n) => (
              <option key={n} value={n} />
            ))}
          </datalist>
        )}
        <button type="button" onClick={add} disabled={!adding.trim()}>
          Add
        </button>
      </div>
      {problems.length > 0 && (
        <div className="field-error" role="alert">
          {problems.join("; ")}
        </div>
      )}
      <div className="help">{help}</div>
    </div>
  );
}
