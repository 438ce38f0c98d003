/**
 * Monaco, bundled with the Studio (no CDN): its workers come from Vite `?worker` imports, the
 * React wrapper is told to use this copy, JavaScript is checked for syntax as you type, and
 * completion offers the variables and earlier steps in scope of the editor being typed in.
 */
import { loader } from "@monaco-editor/react";
import * as monaco from "monaco-editor";
import EditorWorker from "monaco-editor/editor/editor.worker?worker";
import JsonWorker from "monaco-editor/languages/features/json/json.worker?worker";
import TsWorker from "monaco-editor/languages/features/typescript/ts.worker?worker";
import type { Scope } from "../tree-model.ts";

declare global {
  interface Window {
    MonacoEnvironment?: { getWorker(id: string, label: string): Worker };
  }
}

self.MonacoEnvironment = {
  getWorker(_id: string, label: string) {
    if (label === "json") return new JsonWorker();
    if (label === "typescript" || label === "javascript") return new TsWorker();
    return new EditorWorker();
  },
};

loader.config({ monaco });

const js = monaco.typescript.javascriptDefaults;
js.setDiagnosticsOptions({ noSemanticValidation: true, noSyntaxValidation: false });
js.setCompilerOptions({
  target: monaco.typescript.ScriptTarget.ES2020,
  allowNonTsExtensions: true,
  noLib: false,
  lib: ["es2020"],
});

/** Scopes by model URI: each editor tells what its code can see. */
const scopes = new Map<string, Scope>();

export function setScope(uri: string, scope: Scope): void {
  scopes.set(uri, scope);
  // Declarations make the names known to the language service (completion, hovers).
  const decls = [
    "/** The input variables of the sequence, by name. */ declare const vars: Record<string, any>;",
    "/** The output of an earlier step, by id or name. */ declare function step(idOrName: string): any;",
    "/** Writes to the engine log. */ declare function log(...values: any[]): void;",
    "declare const session: { get(key: string): any; set(key: string, value: any): void; remove(key: string): void; user(): string | null; groups(): string[] };",
    ...scope.variables
      .filter((v) => /^[A-Za-z_$][\w$]*$/.test(v.name))
      .map((v) => `/** Variable (${v.dataType}) */ declare const ${v.name}: any;`),
  ];
  js.setExtraLibs([{ content: decls.join("\n"), filePath: "file:///atelier-scope.d.ts" }]);
}

export function clearScope(uri: string): void {
  scopes.delete(uri);
}

monaco.languages.registerCompletionItemProvider("javascript", {
  triggerCharacters: ['"', "("],
  provideCompletionItems(model, position) {
    const scope = scopes.get(model.uri.toString());
    if (!scope) return { suggestions: [] };
    const word = model.getWordUntilPosition(position);
    const range = new monaco.Range(position.lineNumber, word.startColumn, position.lineNumber, word.endColumn);
    const suggestions: monaco.languages.CompletionItem[] = [];
    for (const v of scope.variables) {
      suggestions.push({
        label: v.name,
        kind: monaco.languages.CompletionItemKind.Variable,
        detail: `variable (${v.dataType})`,
        insertText: v.name,
        range,
        sortText: "0" + v.name,
      });
    }
    for (const s of scope.earlierSteps) {
      suggestions.push({
        label: `step("${s.name}")`,
        kind: monaco.languages.CompletionItemKind.Reference,
        detail: `output of ${s.type} step "${s.name}"`,
        insertText: `step(${JSON.stringify(s.name)})`,
        filterText: s.name,
        range,
        sortText: "1" + s.name,
      });
    }
    return { suggestions };
  },
});

export { monaco };
