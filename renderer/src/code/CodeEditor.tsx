import Editor, { type OnMount } from "@monaco-editor/react";
import { useEffect, useRef, useState } from "react";
import { useStudio } from "../store.ts";
import type { Scope } from "../tree-model.ts";
import { REVEAL_EVENT, type RevealDetail } from "../focus-field.ts";
import { useLineBreakpointGutter } from "./line-breakpoints-gutter.tsx";
import { clearScope, monaco, setScope } from "./monaco-setup.ts";
import "./rename-provider.ts";
import { attachSqlEditor } from "./sql-completion.ts";

export interface CodeEditorProps {
  /** Accessible name of the editor (the property's label). */
  label: string;
  value: string;
  onChange(value: string): void;
  onBlur(): void;
  scope: Scope;
  /** Small editor for one expression, or a tall one for code. */
  variant: "expression" | "code";
  /** A stable path per object and property, so each keeps its own model and undo stack. */
  path: string;
  /** The engine's syntax error of the saved text (its sandbox's parser), shown when Monaco sees none. */
  syntaxError?: string;
  /** The id of the JavaScript step whose code this is: its lines take breakpoints (line-breakpoints-gutter.tsx). */
  debugStep?: string;
  /** SQL instead of JavaScript, with completion from this SQL connector's schema. */
  sql?: { project: string; connector: string };
}

/**
 * Monaco for code properties: JavaScript (highlighting, syntax errors as you type, scope
 * completion) or SQL (highlighting, the connector's tables and columns as completion).
 */
export default function CodeEditor({
  label,
  value,
  onChange,
  onBlur,
  scope,
  variant,
  path,
  syntaxError,
  debugStep,
  sql,
}: CodeEditorProps) {
  const gutter = useLineBreakpointGutter(debugStep);
  const theme = useStudio((s) => s.theme);
  const [problems, setProblems] = useState<string[]>([]);
  const editorRef = useRef<Parameters<OnMount>[0]>(undefined);
  const ext = sql ? "sql" : "js";
  const uri = monaco.Uri.parse(`file:///${path}.${ext}`).toString();
  const onBlurRef = useRef(onBlur);
  onBlurRef.current = onBlur;

  useEffect(() => {
    if (sql) return;
    setScope(uri, scope);
    return () => clearScope(uri);
  }, [uri, scope, sql]);

  const sqlProject = sql?.project;
  const sqlConnector = sql?.connector;
  useEffect(() => {
    if (sqlProject === undefined || sqlConnector === undefined) return;
    return attachSqlEditor(uri, sqlProject, sqlConnector);
  }, [uri, sqlProject, sqlConnector]);

  // The editor owns its text while it has the focus (a controlled value would race the typing);
  // a change from elsewhere (undo, another window) is shown when the user is not typing in it.
  useEffect(() => {
    const ed = editorRef.current;
    if (ed && !ed.hasTextFocus() && ed.getValue() !== value) ed.setValue(value);
  }, [value]);

  // Going to a problem in this code (the Problems view): the line is shown and the caret put there.
  const rootRef = useRef<HTMLDivElement>(null);
  const pendingReveal = useRef<RevealDetail>(undefined);
  const reveal = (at: RevealDetail) => {
    const ed = editorRef.current;
    if (!ed) {
      pendingReveal.current = at;
      return;
    }
    ed.revealLineInCenter(at.line);
    ed.setPosition({ lineNumber: at.line, column: at.column });
    ed.focus();
  };
  const revealRef = useRef(reveal);
  revealRef.current = reveal;
  useEffect(() => {
    const field = rootRef.current?.closest("[data-prop]");
    const onReveal = (e: Event) => revealRef.current((e as CustomEvent<RevealDetail>).detail);
    field?.addEventListener(REVEAL_EVENT, onReveal);
    return () => field?.removeEventListener(REVEAL_EVENT, onReveal);
  }, []);

  const onMount: OnMount = (editor) => {
    editorRef.current = editor;
    if (pendingReveal.current) {
      const at = pendingReveal.current;
      pendingReveal.current = undefined;
      setTimeout(() => revealRef.current(at));
    }
    editor.onDidBlurEditorText(() => onBlurRef.current());
    if (!sql) editor.onDidFocusEditorText(() => setScope(uri, scope));
    gutter.attach(editor);
  };

  return (
    <div ref={rootRef} className={`code-editor nokey ${variant}`}>
      <Editor
        height={variant === "code" ? 260 : 64}
        language={sql ? "sql" : "javascript"}
        path={`${path}.${ext}`}
        defaultValue={value}
        theme={theme === "dark" ? "vs-dark" : "vs"}
        onChange={(v) => onChange(v ?? "")}
        onMount={onMount}
        onValidate={(markers) =>
          setProblems(markers.filter((m) => m.severity >= 8).map((m) => `Line ${m.startLineNumber}: ${m.message}`))
        }
        options={{
          ariaLabel: label,
          minimap: { enabled: false },
          lineNumbers: variant === "code" ? "on" : "off",
          glyphMargin: Boolean(debugStep),
          folding: variant === "code",
          scrollBeyondLastLine: false,
          wordWrap: variant === "expression" ? "on" : "off",
          fontSize: 13,
          tabSize: 2,
          automaticLayout: true,
          fixedOverflowWidgets: true,
          renderLineHighlight: "none",
          overviewRulerLanes: 0,
        }}
      />
      {gutter.summary}
      {(problems.length > 0 || syntaxError) && (
        <div className="field-error" role="alert">
          {problems.length > 0 ? problems.slice(0, 3).join("; ") : syntaxError}
        </div>
      )}
    </div>
  );
}
