/**
 * A component's layout as a small form (issue 18, design §6.4): direction, gap, padding, align,
 * justify, wrap for its children; grow, basis, align self, width, max width, hide below for how
 * it sits in its parent. Flex and stack only: no absolute positions. A choice saves at once; a
 * size saves on Enter or when left.
 */
import { useEffect, useId, useState } from "react";
import type { FlatNode } from "../../../engine/common/studio/api.ts";
import { LAYOUT_FIELDS, parseSize, withLayoutKey, type LayoutKey } from "../layout-model.ts";

export function LayoutField({
  label,
  help,
  node,
  prop,
  onSave,
}: {
  label: string;
  help: string;
  node: FlatNode;
  prop: string;
  onSave: (value: unknown) => Promise<unknown>;
}) {
  const value = node.props[prop];
  const layout = (value && typeof value === "object" && !Array.isArray(value) ? value : {}) as Record<string, unknown>;
  const issues = (node.issues ?? []).filter((i) => i.prop === prop);
  const set = (key: LayoutKey, v: unknown) => void onSave(withLayoutKey(value, key, v));
  return (
    <fieldset className="field layout-field" data-prop={prop} aria-label={label}>
      <legend className="label">{label}</legend>
      <div className="layout-grid">
        {LAYOUT_FIELDS.map((f) => (
          <LayoutControl key={f.key} field={f} value={layout[f.key]} onSet={(v) => set(f.key, v)} />
        ))}
      </div>
      {issues.length > 0 && (
        <div className="field-error" role="alert">
          {issues.map((i) => i.message).join("; ")}
        </div>
      )}
      <div className="help">{help}</div>
    </fieldset>
  );
}

function LayoutControl({
  field,
  value,
  onSet,
}: {
  field: (typeof LAYOUT_FIELDS)[number];
  value: unknown;
  onSet: (v: unknown) => void;
}) {
  const id = useId();
  const shown = value === undefined || value === null ? "" : String(value);
  const [draft, setDraft] = useState(shown);
  const [error, setError] = useState<string>();
  useEffect(() => setDraft(shown), [shown]);
  const c = field.control;
  let control: React.ReactNode;
  if (c.kind === "choice") {
    control = (
      <select id={id} value={shown} onChange={(e) => onSet(e.target.value || undefined)}>
        <option value="">—</option>
        {c.values.map((v) => (
          <option key={v} value={v}>
            {v}
          </option>
        ))}
        {shown !== "" && !c.values.includes(shown) && <option value={shown}>{shown}</option>}
      </select>
    );
  } else if (c.kind === "boolean") {
    control = <input id={id} type="checkbox" checked={value === true} onChange={(e) => onSet(e.target.checked)} />;
  } else {
    const commit = () => {
      if (draft === shown) return;
      if (c.kind === "number") {
        const t = draft.trim();
        const n = Number(t);
        if (t !== "" && (!Number.isFinite(n) || n < 0)) {
          setError(`"${t}" is no number`);
          return;
        }
        setError(undefined);
        onSet(t === "" ? undefined : n);
        return;
      }
      const r = parseSize(draft);
      if ("error" in r) {
        setError(r.error);
        return;
      }
      setError(undefined);
      onSet(r.value);
    };
    control = (
      <input
        id={id}
        type="text"
        inputMode={c.kind === "number" ? "decimal" : undefined}
        value={draft}
        aria-invalid={Boolean(error)}
        placeholder={c.kind === "size" ? "px" : ""}
        onChange={(e) => setDraft(e.target.value)}
        onBlur={commit}
        onKeyDown={(e) => {
          if (e.key === "Enter") commit();
          if (e.key === "Escape") {
            setDraft(shown);
            setError(undefined);
          }
        }}
      />
    );
  }
  return (
    <div className="layout-control" title={field.help}>
      <label htmlFor={id}>{field.label}</label>
      {control}
      {error && (
        <span className="field-error" role="alert">
          {error}
        </span>
      )}
    </div>
  );
}
