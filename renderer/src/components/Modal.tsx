import { useEffect, useRef, type ReactNode } from "react";
import { useStudio } from "../store.ts";

const close = () => useStudio.setState({ dialog: undefined });

/** A modal dialog: a form (Enter submits), Escape or a click outside closes it. */
export function Modal({
  title,
  children,
  onSubmit,
  onClose = close,
  wide,
  testId,
}: {
  title: string;
  children: ReactNode;
  onSubmit?: () => void;
  onClose?: () => void;
  wide?: boolean;
  testId?: string;
}) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const prev = document.activeElement as HTMLElement | null;
    (ref.current?.querySelector("input, select, textarea, button") as HTMLElement | null)?.focus();
    return () => prev?.focus?.();
  }, []);
  return (
    <div className="modal-backdrop" onMouseDown={(e) => e.target === e.currentTarget && onClose()}>
      <div
        ref={ref}
        className={wide ? "modal wide" : "modal"}
        role="dialog"
        aria-modal="true"
        aria-label={title}
        data-testid={testId}
        onKeyDown={(e) => {
          if (e.key === "Escape") {
            e.stopPropagation();
            onClose();
          }
        }}
      >
        <h2>{title}</h2>
        <form
          onSubmit={(e) => {
            e.preventDefault();
            onSubmit?.();
          }}
        >
          {children}
        </form>
      </div>
    </div>
  );
}
