/**
 * The designer's palette (issue 18, design §6.3): the component catalogue by group, texts,
 * directives and the application's shared components, searchable. Drag an entry onto the
 * preview (or the explorer) to add it there; Enter or a double click adds it at the selection.
 */
import { useMemo, useState } from "react";
import { addUiAtSelection, beginDrag, endDrag } from "../object-actions.ts";
import { paletteGroups, searchUiPalette, uiPaletteEntries, type UiPaletteEntry } from "../ui-palette.ts";

export function UiPalette({ sharedComponents }: { sharedComponents: readonly string[] }) {
  const entries = useMemo(() => uiPaletteEntries(sharedComponents), [sharedComponents]);
  const [q, setQ] = useState("");
  const [active, setActive] = useState(0);
  const shown = useMemo(() => searchUiPalette(entries, q), [entries, q]);
  const current = shown[Math.min(active, shown.length - 1)];
  const option = (e: UiPaletteEntry) => (
    <div
      key={e.key}
      id={`ui-palette-${e.key}`}
      role="option"
      aria-selected={current?.key === e.key}
      aria-label={e.label}
      data-testid={`ui-palette-${e.key}`}
      title={`${e.label}: ${e.help}\nDrag it onto the preview or the explorer, or press Enter to add it at the selection.`}
      className={`ui-palette-item ${current?.key === e.key ? "active" : ""}`}
      draggable
      onDragStart={(ev) => beginDrag({ kind: "ui", item: e.item }, ev.dataTransfer)}
      onDragEnd={endDrag}
      onClick={() => setActive(shown.indexOf(e))}
      onDoubleClick={() => addUiAtSelection(e.item)}
    >
      {e.label}
    </div>
  );
  return (
    <section className="ui-palette" aria-label="Components palette" data-testid="ui-palette">
      <input
        type="search"
        aria-label="Search components"
        placeholder="Search components…"
        value={q}
        onChange={(e) => {
          setQ(e.target.value);
          setActive(0);
        }}
        onKeyDown={(e) => {
          if (e.key === "ArrowDown") {
            e.preventDefault();
            setActive((a) => Math.min(a + 1, shown.length - 1));
          } else if (e.key === "ArrowUp") {
            e.preventDefault();
            setActive((a) => Math.max(a - 1, 0));
          } else if (e.key === "Enter" && current) {
            e.preventDefault();
            addUiAtSelection(current.item);
          } else if (e.key === "Escape") setQ("");
        }}
        aria-controls="ui-palette-list"
        aria-activedescendant={current ? `ui-palette-${current.key}` : undefined}
      />
      <div className="ui-palette-list" role="listbox" id="ui-palette-list" aria-label="Components">
        {shown.length === 0 && <p className="hint">No component matches.</p>}
        {q.trim()
          ? shown.map(option)
          : paletteGroups(shown).map((g) => (
              <div key={g.group} role="group" aria-label={g.group}>
                <div className="palette-group-title" aria-hidden="true">
                  {g.group}
                </div>
                {g.entries.map(option)}
              </div>
            ))}
      </div>
    </section>
  );
}
