import { useEffect, useRef, type ReactNode } from "react";
import { linesOf, setStepLines, shiftedLines, toggleLineBreakpoint, useLineBreakpoints } from "../line-breakpoints.ts";
import { debugCommand, useStudio } from "../store.ts";
import { monaco } from "./monaco-setup.ts";

type Editor = monaco.editor.IStandaloneCodeEditor;

/**
 * Line breakpoints in the code editor of a JavaScript step: a red dot in the margin (a click or
 * F9 sets or removes it), the line the debugger is paused at highlighted and shown, the dots
 * moving with lines inserted or removed above them.
 */
export function useLineBreakpointGutter(step: string | undefined): {
  attach: (editor: Editor) => void;
  summary: ReactNode;
} {
  const lines = useLineBreakpoints((s) => (step ? linesOf(s.lines, step) : NO_LINES));
  const pausedLine = useStudio((s) =>
    step && s.run.status === "paused" && s.run.paused?.line?.step === step ? s.run.paused.line.line : undefined,
  );
  const runPaused = useStudio((s) => s.run.status === "paused");
  const pausedKey = useRef<monaco.editor.IContextKey<boolean>>(undefined);
  const editorRef = useRef<Editor>(undefined);
  const decorations = useRef<monaco.editor.IEditorDecorationsCollection>(undefined);
  const stepRef = useRef(step);
  stepRef.current = step;

  const toggle = (line: number) => {
    const s = stepRef.current;
    if (!s) return;
    const { run, breakpoints } = useStudio.getState();
    toggleLineBreakpoint(s, line, run, breakpoints);
  };
  const toggleRef = useRef(toggle);
  toggleRef.current = toggle;

  const paint = () => {
    const ed = editorRef.current;
    if (!ed) return;
    const all: monaco.editor.IModelDeltaDecoration[] = lines.map((l) => ({
      range: new monaco.Range(l, 1, l, 1),
      options: {
        glyphMarginClassName: "line-bp-glyph",
        glyphMarginHoverMessage: { value: `Breakpoint: the debugger pauses before line ${l} (click or F9 to remove)` },
        stickiness: monaco.editor.TrackedRangeStickiness.NeverGrowsWhenTypingAtEdges,
      },
    }));
    if (pausedLine !== undefined) {
      all.push({
        range: new monaco.Range(pausedLine, 1, pausedLine, 1),
        options: { isWholeLine: true, className: "line-paused", glyphMarginClassName: "line-paused-glyph" },
      });
    }
    if (!decorations.current) decorations.current = ed.createDecorationsCollection(all);
    else decorations.current.set(all);
  };
  const paintRef = useRef(paint);
  paintRef.current = paint;

  useEffect(() => pausedKey.current?.set(runPaused), [runPaused]);

  useEffect(() => {
    paint();
    const ed = editorRef.current;
    if (ed && pausedLine !== undefined) ed.revealLineInCenterIfOutsideViewport(pausedLine);
  });

  const attach = (editor: Editor) => {
    editorRef.current = editor;
    // The debugger's keys work from any code editor while a run is paused (Monaco would take F8
    // for its "next problem" and keep it from the Studio's own shortcut).
    pausedKey.current = editor.createContextKey(PAUSED_KEY, useStudio.getState().run.status === "paused");
    editor.addCommand(monaco.KeyCode.F8, () => void debugCommand("continue"), PAUSED_KEY);
    editor.addCommand(monaco.KeyCode.F10, () => void debugCommand("step"), PAUSED_KEY);
    if (!stepRef.current) return;
    editor.onMouseDown((e) => {
      if (e.target.type === monaco.editor.MouseTargetType.GUTTER_GLYPH_MARGIN && e.target.position) {
        toggleRef.current(e.target.position.lineNumber);
      }
    });
    editor.addCommand(monaco.KeyCode.F9, () => {
      const line = editor.getPosition()?.lineNumber;
      if (line) toggleRef.current(line);
    });
    // Breakpoints follow their lines when lines above them are added or removed.
    editor.onDidChangeModelContent((e) => {
      const s = stepRef.current;
      // A text replaced as a whole (undo from elsewhere, another window) keeps the lines as they are.
      if (!s || e.isFlush) return;
      let current = linesOf(useLineBreakpoints.getState().lines, s);
      if (!current.length) return;
      for (const c of e.changes) {
        const removed = c.range.endLineNumber - c.range.startLineNumber;
        const added = c.text.split("\n").length - 1;
        if (added !== removed) current = shiftedLines(current, c.range.startLineNumber + 1, added - removed);
      }
      const max = editor.getModel()?.getLineCount() ?? Infinity;
      setStepLines(
        s,
        current.filter((l) => l <= max),
      );
    });
    paintRef.current();
  };

  const summary = step ? (
    <div className="line-bps help" aria-live="polite" data-testid="line-breakpoints">
      {lines.length
        ? `Pauses at line${lines.length > 1 ? "s" : ""} ${lines.join(", ")} when debugging (F9 or a click in the margin to change)`
        : "Debugging: F9 or a click in the margin sets a breakpoint on a line"}
      {pausedLine !== undefined && <strong className="line-paused-note"> · paused at line {pausedLine}</strong>}
    </div>
  ) : null;
  return { attach, summary };
}

const NO_LINES: number[] = [];
const PAUSED_KEY = "atelierRunPaused";
