import { useEffect, useRef } from "react";

/** A draggable divider between panes (also moved with the arrow keys). */
export function Splitter({
  orientation,
  label,
  value,
  min,
  max,
  invert = false,
  onChange,
  style,
}: {
  orientation: "vertical" | "horizontal";
  label: string;
  value: number;
  min: number;
  max: number;
  /** The pane grows when the divider moves left / up. */
  invert?: boolean;
  onChange: (v: number) => void;
  style?: React.CSSProperties;
}) {
  const clamp = (v: number) => Math.max(min, Math.min(max, Math.round(v)));
  const onChangeRef = useRef(onChange);
  onChangeRef.current = onChange;
  // The drag under way: ended by a release anywhere (or a cancel), never left dangling.
  const stop = useRef<() => void>(undefined);
  useEffect(() => () => stop.current?.(), []);

  return (
    <div
      className={`splitter ${orientation}`}
      role="separator"
      aria-label={label}
      aria-orientation={orientation}
      aria-valuenow={value}
      aria-valuemin={min}
      aria-valuemax={max}
      tabIndex={0}
      style={style}
      onPointerDown={(e) => {
        if (e.button !== 0) return;
        // No text selection and no native drag (the explorer's rows are draggable: a drag starting
        // over them cancelled the pointer, and the divider stopped following).
        e.preventDefault();
        const el = e.currentTarget;
        try {
          el.setPointerCapture(e.pointerId);
        } catch {
          // capture is a help, not a need: the window's listeners follow the pointer anyway
        }
        const start = orientation === "vertical" ? e.clientX : e.clientY;
        const from = value;
        const move = (ev: PointerEvent) => {
          const delta = (orientation === "vertical" ? ev.clientX : ev.clientY) - start;
          onChangeRef.current(clamp(from + (invert ? -delta : delta)));
        };
        const end = () => {
          window.removeEventListener("pointermove", move);
          window.removeEventListener("pointerup", end);
          window.removeEventListener("pointercancel", end);
          el.classList.remove("dragging");
          document.body.classList.remove("resizing");
          stop.current = undefined;
        };
        stop.current?.();
        stop.current = end;
        window.addEventListener("pointermove", move);
        window.addEventListener("pointerup", end);
        window.addEventListener("pointercancel", end);
        el.classList.add("dragging");
        document.body.classList.add("resizing");
      }}
      onKeyDown={(e) => {
        const step = e.shiftKey ? 50 : 10;
        const less = orientation === "vertical" ? "ArrowLeft" : "ArrowUp";
        const more = orientation === "vertical" ? "ArrowRight" : "ArrowDown";
        if (e.key === less) onChange(clamp(value + (invert ? step : -step)));
        if (e.key === more) onChange(clamp(value + (invert ? -step : step)));
      }}
    />
  );
}
