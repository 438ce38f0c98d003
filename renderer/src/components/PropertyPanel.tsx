import { lazy, Suspense, useEffect, useId, useLayoutEffect, useMemo, useRef, useState } from "react";
import type { PropDef } from "../../../engine/common/model/props.ts";
import type { TypeSchema } from "../../../engine/common/model/typedef.ts";
import { objectRevision, type ChangeResult, type FlatNode } from "../../../engine/common/studio/api.ts";
import { glyph } from "../icons.ts";
import { mutate, notify, useStudio } from "../store.ts";
import {
  formatFieldValue,
  parseFieldValue,
  renameProblem,
  scopeOf,
  type ProjectState,
  type Scope,
} from "../tree-model.ts";
import { fieldText, setUnsaved, updateFields, useUnsavedValue } from "../field-errors.ts";
import { unreadableJson } from "../json-field.ts";
import { requestRename } from "../rename.ts";
import { openProjectDialog } from "../project-actions.ts";
import { ResponsePreview } from "./ResponsePreview.tsx";
import { RestApiPanel } from "./RestApiPanel.tsx";
import { SourcePicker } from "./SourcePicker.tsx";
import { BindingPropField, BindingsPropField } from "./BindingField.tsx";
import { LayoutField } from "./LayoutField.tsx";

const CodeEditor = lazy(() => import("../code/CodeEditor.tsx"));

type Prop = Omit<PropDef, "check">;

const DEBOUNCE_MS = 150;

/**
 * What the panel knows of the object being edited: the revision it edits from (a change made
 * elsewhere meanwhile makes the engine refuse ours, 409) and which fields hold unsaved text.
 */
interface EditSession {
  project: string;
  id: string;
  rev: string;
  dirty: Set<string>;
}

/** The property panel: one field per property of the type's schema, saved as you type. */
export function PropertyPanel() {
  const selection = useStudio((s) => s.selection);
  const project = useStudio((s) => (s.selection ? s.projects[s.selection.project] : undefined));
  const types = useStudio((s) => s.types);
  const node = selection && project ? project.nodes.get(selection.id) : undefined;
  if (!selection || !project || !node) {
    return (
      <section className="properties empty" aria-label="Properties">
        <div className="pane-header">
          <span className="pane-title">Properties</span>
        </div>
        <p className="hint">Select an object in the explorer to see its properties.</p>
      </section>
    );
  }
  return (
    <NodeProperties
      key={`${selection.project}/${node.id}`}
      project={project}
      node={node}
      schema={types.get(node.type)}
      types={types}
    />
  );
}

function NodeProperties({
  project,
  node,
  schema,
  types,
}: {
  project: ProjectState;
  node: FlatNode;
  schema: TypeSchema | undefined;
  types: Map<string, TypeSchema>;
}) {
  // Another object's properties start at their top (the panel is keyed by object: this runs once each).
  const sectionRef = useRef<HTMLElement>(null);
  useLayoutEffect(() => {
    const scroller = sectionRef.current?.closest(".main-scroll");
    if (scroller) scroller.scrollTop = 0;
  }, []);
  const session = useRef<EditSession>({
    project: project.name,
    id: node.id,
    rev: objectRevision(node),
    dirty: new Set(),
  });
  // Follow changes from elsewhere while nothing is being typed.
  if (session.current.dirty.size === 0) session.current.rev = objectRevision(node);
  const scope = useMemo(() => scopeOf(project, node.id, types), [project, node.id, types]);

  const save = (changes: { set?: Record<string, unknown>; unset?: string[]; name?: string }) =>
    mutate(async (): Promise<ChangeResult> => {
      const r = await updateFields(project.name, node.id, { rev: session.current.rev, ...changes }, (name) =>
        fieldText(schema, name, changes.set?.[name]),
      );
      const after = r.deltas.find((d) => d.project === project.name)?.upserts.find((n) => n.id === node.id);
      if (after) session.current.rev = objectRevision(after);
      return r;
    }, project.name);

  const groups = useMemo(() => {
    const out = new Map<string, Prop[]>();
    for (const p of schema?.props ?? []) {
      const g = p.group ?? "";
      if (!out.has(g)) out.set(g, []);
      out.get(g)!.push(p);
    }
    return [...out.entries()].sort((a, b) =>
      a[0] === "" ? -1 : b[0] === "" ? 1 : a[0] === "Documentation" ? 1 : b[0] === "Documentation" ? -1 : 0,
    );
  }, [schema]);

  const isRoot = node.parent === undefined;
  const rename = (name: string) => {
    const problem = renameProblem(project, node.id, name, types);
    if (problem) notify(problem.message);
    else void requestRename(project.name, node.id, name, objectRevision(node));
  };
  const general = (node.issues ?? []).filter((i) => !i.prop);

  return (
    <section ref={sectionRef} className="properties" aria-label="Properties" data-object={`${project.name}/${node.id}`}>
      <div className="pane-header">
        <span className="pane-title">
          <span aria-hidden="true">{glyph(schema?.icon)}</span> {schema?.label ?? node.type}
        </span>
        {node.file && (
          <span className="file" title="Where it is saved">
            {node.file}
          </span>
        )}
      </div>
      <div className="props-body">
        {schema?.description && <p className="type-help">{schema.description}</p>}
        <ResponsePreview project={project} node={node} />
        {general.length > 0 && (
          <div className="issues" role="alert" aria-label="Problems">
            {general.map((i, k) => (
              <div key={k}>⚠ {i.message}</div>
            ))}
          </div>
        )}
        {!schema && <p className="issues">Unknown object type "{node.type}": its properties are kept as they are.</p>}
        <NameField node={node} readOnly={isRoot} onRename={rename} />
        {groups.map(([group, props]) => (
          <fieldset key={group || "main"} className="prop-group">
            {group && <legend>{group}</legend>}
            {props.map((p) => {
              const onSave = (value: unknown) =>
                save(value === undefined ? { unset: [p.name] } : { set: { [p.name]: value } });
              // The UI builder's values: plain, a source or a script (BindingField.tsx).
              // A component's layout: a small flex form (LayoutField.tsx).
              if (
                p.kind === "json" &&
                ((node.type === "Component" && p.name === "layout") ||
                  (node.type === "SharedComponent" && p.name === "rootLayout"))
              ) {
                return (
                  <LayoutField key={p.name} label={p.label} help={p.help} node={node} prop={p.name} onSave={onSave} />
                );
              }
              if (p.kind === "binding" || p.kind === "bindings") {
                const Binding = p.kind === "binding" ? BindingPropField : BindingsPropField;
                const fieldProps = { prop: p, node, project, session: session.current, onSave };
                return <Binding key={p.name} {...fieldProps} />;
              }
              return (
                <Field
                  key={p.name}
                  prop={p}
                  node={node}
                  project={project}
                  scope={scope}
                  session={session.current}
                  onSave={onSave}
                />
              );
            })}
          </fieldset>
        ))}
        <RestApiPanel project={project} node={node} />
      </div>
    </section>
  );
}

function NameField({ node, readOnly, onRename }: { node: FlatNode; readOnly: boolean; onRename: (n: string) => void }) {
  const [draft, setDraft] = useState(node.name);
  const id = useId();
  useEffect(() => setDraft(node.name), [node.name]);
  const commit = () => {
    const n = draft.trim();
    if (n && n !== node.name) onRename(n);
    else setDraft(node.name);
  };
  return (
    <div className="field" data-prop="name">
      <label htmlFor={id}>Name</label>
      <input
        id={id}
        value={draft}
        readOnly={readOnly}
        onChange={(e) => setDraft(e.target.value)}
        onBlur={commit}
        onKeyDown={(e) => {
          if (e.key === "Enter") commit();
          if (e.key === "Escape") setDraft(node.name);
        }}
      />
      {readOnly ? (
        <div className="help">
          A project is named after its folder:{" "}
          <button type="button" className="link" onClick={() => openProjectDialog("rename", node.name)}>
            rename the project…
          </button>
        </div>
      ) : (
        draft.trim() !== node.name &&
        draft.trim() !== "" && (
          // Other fields save as you type; a name is a rename (references follow it), made on Enter.
          <div className="help pending-rename" role="status">
            Enter (or leaving the field) renames "{node.name}"; Escape keeps it.
          </div>
        )
      )}
    </div>
  );
}

function Field({
  prop,
  node,
  project,
  scope,
  session,
  onSave,
}: {
  prop: Prop;
  node: FlatNode;
  project: ProjectState;
  scope: Scope;
  session: EditSession;
  onSave: (value: unknown) => Promise<unknown>;
}) {
  const id = useId();
  const helpId = `${id}-help`;
  const errId = `${id}-err`;
  const value = node.props[prop.name];
  const isSet = value !== undefined;
  // A code field's syntax error is shown by its editor (with Monaco's own, as you type).
  const isCode = prop.kind === "code" || prop.kind === "expression";
  const syntax = isCode ? node.issues?.find((i) => i.prop === prop.name && i.code === "js_syntax") : undefined;
  const issues = (node.issues ?? []).filter((i) => i.prop === prop.name && i !== syntax);
  const textual = !["boolean", "enum", "source", "expression", "code"].includes(prop.kind);
  // A value the engine refused stays as typed, with why (field-errors.ts).
  const unsaved = useUnsavedValue(project.name, node.id, prop.name);
  const [draft, setDraft] = useState(() => unsaved?.text ?? formatFieldValue(prop.kind, value));
  const [localError, setLocalError] = useState<string>();
  const timer = useRef<ReturnType<typeof setTimeout>>(undefined);
  const dirty = useRef(false);
  const draftRef = useRef(draft);
  draftRef.current = draft;

  // Show the saved value when it changes and nothing is being typed here (a refused value shown
  // when the field opened stays until the saved value changes).
  const opened = useRef({ value, unsaved: unsaved !== undefined });
  useEffect(() => {
    if (opened.current.unsaved && value === opened.current.value) return;
    if (!dirty.current) setDraft(formatFieldValue(prop.kind, value));
  }, [value, prop.kind]);

  const flush = async () => {
    clearTimeout(timer.current);
    if (!dirty.current) return;
    let parsed: unknown;
    try {
      parsed = parseFieldValue(prop.kind, draftRef.current);
      setLocalError(undefined);
    } catch (e) {
      const message =
        prop.kind === "json"
          ? unreadableJson(node.type, node.props, prop.name, draftRef.current, e as Error)
          : (e as Error).message;
      setLocalError(message);
      setUnsaved({
        project: project.name,
        id: node.id,
        prop: prop.name,
        label: prop.label,
        text: draftRef.current,
        message: message.startsWith(prop.label) ? message : `${prop.label}: ${message}`,
      });
      return;
    }
    dirty.current = false;
    session.dirty.delete(prop.name);
    useStudio.getState().pendingFlushes.delete(entry.current);
    await onSave(parsed);
  };
  const flushRef = useRef(flush);
  flushRef.current = flush;
  const entry = useRef(() => flushRef.current());

  // Save what was typed when the object is left.
  useEffect(() => () => void flushRef.current(), []);

  const edit = (text: string) => {
    setDraft(text);
    dirty.current = true;
    session.dirty.add(prop.name);
    useStudio.getState().pendingFlushes.add(entry.current);
    clearTimeout(timer.current);
    timer.current = setTimeout(() => void flushRef.current(), DEBOUNCE_MS);
  };

  const defaultText =
    prop.default === undefined ? "" : formatFieldValue(prop.kind === "json" ? "json" : prop.kind, prop.default);
  const refusal = localError ?? unsaved?.message;
  const describedBy = [helpId, issues.length || refusal ? errId : ""].filter(Boolean).join(" ");
  const common = {
    id,
    "aria-describedby": describedBy,
    "aria-invalid": issues.length > 0 || Boolean(refusal),
    onBlur: () => void flush(),
  };

  let control: React.ReactNode;
  // A SQL query (a "text" property in SQL) is edited as code, completed from its connector's schema.
  const sqlEditor = prop.kind === "text" && prop.language === "sql" && node.parent !== undefined;
  switch (sqlEditor ? "sql" : prop.kind) {
    case "boolean": {
      const checked = Boolean(isSet ? value : prop.default);
      control = (
        <span className={`checkbox ${isSet ? "" : "is-default"}`}>
          <input
            id={id}
            type="checkbox"
            aria-describedby={describedBy}
            checked={checked}
            onChange={(e) => void onSave(e.target.checked === Boolean(prop.default) ? undefined : e.target.checked)}
          />
          {!isSet && <span className="default-note">default</span>}
        </span>
      );
      break;
    }
    case "enum":
      control = (
        <select
          id={id}
          aria-describedby={describedBy}
          className={isSet ? "" : "is-default"}
          value={isSet ? String(value) : ""}
          onChange={(e) => void onSave(e.target.value === "" ? undefined : e.target.value)}
        >
          <option value="">{prop.default !== undefined ? `${String(prop.default)} (default)` : "(none)"}</option>
          {(prop.values ?? []).map((v) => (
            <option key={v} value={v}>
              {v}
            </option>
          ))}
          {isSet && !(prop.values ?? []).includes(String(value)) && (
            <option value={String(value)}>{String(value)} (invalid)</option>
          )}
        </select>
      );
      break;
    case "expression":
    case "code":
      control = (
        <Suspense
          fallback={
            <textarea
              aria-label={`${prop.label} (loading the editor)`}
              className="code-fallback"
              readOnly
              value={typeof value === "string" ? value : ""}
            />
          }
        >
          <CodeEditor
            label={prop.label}
            value={draft}
            variant={prop.kind === "expression" ? "expression" : "code"}
            path={`${project.name}/${node.id}/${prop.name}`}
            scope={scope}
            onChange={edit}
            onBlur={() => void flush()}
            {...(syntax ? { syntaxError: syntax.message } : {})}
            {...(prop.kind === "code" && useStudio.getState().types.get(node.type)?.category === "step"
              ? { debugStep: node.id }
              : {})}
          />
        </Suspense>
      );
      break;
    case "source":
      control = (
        <SourcePicker
          id={id}
          label={prop.label}
          value={value}
          project={project}
          node={node}
          scope={scope}
          onChange={(v) => void onSave(v)}
        />
      );
      break;
    case "sql":
      control = (
        <Suspense
          fallback={
            <textarea
              aria-label={`${prop.label} (loading the editor)`}
              className="code-fallback"
              readOnly
              value={draft}
            />
          }
        >
          <CodeEditor
            label={prop.label}
            value={draft}
            variant="code"
            path={`${project.name}/${node.id}/${prop.name}`}
            scope={scope}
            onChange={edit}
            onBlur={() => void flush()}
            sql={{ project: project.name, connector: node.parent ?? "" }}
          />
        </Suspense>
      );
      break;
    case "text":
    case "json":
    case "keyValue":
    case "stringList":
      control = (
        <textarea
          {...common}
          className={isSet ? "" : "is-default"}
          rows={prop.kind === "json" || prop.kind === "text" ? 4 : 3}
          placeholder={
            defaultText ||
            (prop.kind === "keyValue"
              ? "Name: value (one per line)"
              : prop.kind === "stringList"
                ? "One value per line"
                : "")
          }
          value={draft}
          spellCheck={prop.kind === "text"}
          onChange={(e) => edit(e.target.value)}
        />
      );
      break;
    default: {
      const refs = prop.kind === "reference" ? referenceOptions(prop, project) : [];
      control = (
        <>
          <input
            {...common}
            className={isSet ? "" : "is-default"}
            type="text"
            inputMode={prop.kind === "integer" || prop.kind === "number" ? "decimal" : undefined}
            placeholder={defaultText}
            value={draft}
            list={refs.length ? `${id}-list` : undefined}
            onChange={(e) => edit(e.target.value)}
            onKeyDown={(e) => {
              if (e.key === "Enter") void flush();
            }}
          />
          {refs.length > 0 && (
            <datalist id={`${id}-list`}>
              {refs.map((r) => (
                <option key={r} value={r} />
              ))}
            </datalist>
          )}
        </>
      );
    }
  }
  void textual;
  return (
    <div className={`field kind-${prop.kind}`} data-prop={prop.name}>
      {prop.kind === "expression" || prop.kind === "code" || sqlEditor ? (
        <span className="label">
          {prop.label}
          {prop.required && <span className="required"> *</span>}
        </span>
      ) : (
        <label htmlFor={id}>
          {prop.label}
          {prop.required && (
            <span className="required" aria-hidden="true">
              {" "}
              *
            </span>
          )}
        </label>
      )}
      {control}
      {(issues.length > 0 || refusal) && (
        <div id={errId} className="field-error" role="alert">
          {refusal ?? issues.map((i) => i.message).join("; ")}
        </div>
      )}
      <div id={helpId} className="help">
        {prop.help}
      </div>
    </div>
  );
}

/** Names a reference property may take, from the project's objects. */
function referenceOptions(prop: Prop, project: ProjectState): string[] {
  const out = new Set<string>();
  const ws = useStudio.getState();
  if (prop.refers === "project") return (ws.workspace?.projects ?? []).map((p) => p.name);
  for (const n of project.nodes.values()) {
    const cat = ws.types.get(n.type)?.category;
    if (prop.refers === cat) out.add(n.name);
  }
  return [...out].sort();
}
