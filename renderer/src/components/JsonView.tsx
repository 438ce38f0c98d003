import { useState } from "react";
import { joinPath } from "../tree-model.ts";

/**
 * A collapsible view of a JSON value. With `onPick`, each value is a button that answers its
 * path (the source picker).
 */
export function JsonView({
  value,
  onPick,
  label = "value",
  openDepth = 2,
}: {
  value: unknown;
  onPick?: (path: string) => void;
  label?: string;
  openDepth?: number;
}) {
  return (
    <div className="json-view" role="group" aria-label={label}>
      <JsonNode value={value} path={[]} depth={0} openDepth={openDepth} onPick={onPick} />
    </div>
  );
}

function JsonNode({
  name,
  value,
  path,
  depth,
  openDepth,
  onPick,
}: {
  name?: string | number;
  value: unknown;
  path: (string | number)[];
  depth: number;
  openDepth: number;
  onPick?: ((path: string) => void) | undefined;
}) {
  const [open, setOpen] = useState(depth < openDepth);
  const keyLabel =
    name === undefined ? null : <span className="json-key">{typeof name === "number" ? `[${name}]` : `${name}:`}</span>;
  const pick = onPick ? (
    <button
      type="button"
      className="json-pick"
      title={`Use ${joinPath(path) || "the whole output"}`}
      aria-label={`Pick ${joinPath(path) || "whole output"}`}
      onClick={() => onPick(joinPath(path))}
    >
      ⊕
    </button>
  ) : null;
  if (value !== null && typeof value === "object") {
    const entries: [string | number, unknown][] = Array.isArray(value)
      ? value.map((v, i) => [i, v] as [number, unknown])
      : Object.entries(value as Record<string, unknown>);
    const brackets = Array.isArray(value) ? ["[", "]"] : ["{", "}"];
    return (
      <div className="json-node">
        <button type="button" className="json-toggle" aria-expanded={open} onClick={() => setOpen(!open)}>
          {open ? "▾" : "▸"}
        </button>
        {keyLabel} {pick}
        <span className="json-punct">
          {brackets[0]}
          {!open && ` ${entries.length} ${Array.isArray(value) ? "items" : "keys"} ${brackets[1]}`}
        </span>
        {open && (
          <div className="json-children">
            {entries.map(([k, v]) => (
              <JsonNode
                key={String(k)}
                name={k}
                value={v}
                path={[...path, k]}
                depth={depth + 1}
                openDepth={openDepth}
                onPick={onPick}
              />
            ))}
            <span className="json-punct">{brackets[1]}</span>
          </div>
        )}
      </div>
    );
  }
  const cls = value === null ? "null" : typeof value;
  return (
    <div className="json-node leaf">
      {keyLabel} <span className={`json-${cls}`}>{JSON.stringify(value)}</span> {pick}
    </div>
  );
}
