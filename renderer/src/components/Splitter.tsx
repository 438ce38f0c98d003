import { useRef } from "react";

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
  const start = useRef<{ pos: number; value: number }>(undefined);
  const clamp = (v: number) => Math.max(min, Math.min(max, Math.round(v)));
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
        (e.target as HTMLElement).setPointerCapture(e.pointerId);
        start.current = { pos: orientation === "vertical" ? e.clientX : e.clientY, value };
      }}
      onPointerMove={(e) => {
        if (!start.current) return;
        const delta = (orientation === "vertical" ? e.clientX : e.clientY) - start.current.pos;
        onChange(clamp(start.current.value + (invert ? -delta : delta)));
      }}
      onPointerUp={() => (start.current = undefined)}
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
