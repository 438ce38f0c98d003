import Editor, { type OnMount } from "@monaco-editor/react";
import { useEffect, useRef, useState } from "react";
import { useStudio } from "../store.ts";
import type { Scope } from "../tree-model.ts";
import { clearScope, monaco, setScope } from "./monaco-setup.ts";

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
}

/** Monaco for JavaScript properties: highlighting, syntax errors as you type, scope completion. */
export default function CodeEditor({ label, value, onChange, onBlur, scope, variant, path }: CodeEditorProps) {
  const theme = useStudio((s) => s.theme);
  const [problems, setProblems] = useState<string[]>([]);
  const editorRef = useRef<Parameters<OnMount>[0]>(undefined);
  const uri = monaco.Uri.parse(`file:///${path}.js`).toString();
  const onBlurRef = useRef(onBlur);
  onBlurRef.current = onBlur;

  useEffect(() => {
    setScope(uri, scope);
    return () => clearScope(uri);
  }, [uri, scope]);

  // The editor owns its text while it has the focus (a controlled value would race the typing);
  // a change from elsewhere (undo, another window) is shown when the user is not typing in it.
  useEffect(() => {
    const ed = editorRef.current;
    if (ed && !ed.hasTextFocus() && ed.getValue() !== value) ed.setValue(value);
  }, [value]);

  const onMount: OnMount = (editor) => {
    editorRef.current = editor;
    editor.onDidBlurEditorText(() => onBlurRef.current());
    editor.onDidFocusEditorText(() => setScope(uri, scope));
  };

  return (
    <div className={`code-editor nokey ${variant}`}>
      <Editor
        height={variant === "code" ? 260 : 64}
        language="javascript"
        path={`${path}.js`}
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
          glyphMargin: false,
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
      {problems.length > 0 && (
        <div className="field-error" role="alert">
          {problems.slice(0, 3).join("; ")}
        </div>
      )}
    </div>
  );
}
