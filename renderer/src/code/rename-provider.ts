/**
 * F2 in a JavaScript field: renaming the step named by `step("name")` or a variable of the
 * sequence (`vars.name`, or its bare name) renames the object itself, with every reference in
 * the workspace, through the Rename dialog and its preview (renderer/src/rename.ts). The
 * editor's text follows from the engine's change (its own edits would be a second change).
 */
import * as monaco from "monaco-editor";
import { stepCalls, tokenAt, tokenize, variableUses } from "../../../engine/common/model/js-scan.ts";
import { resolveReference } from "../../../engine/common/model/reference-rules.ts";
import { refProjects, schemaLookup } from "../problems-model.ts";
import { openRename } from "../rename.ts";
import { useStudio } from "../store.ts";
import { enclosingRequestable } from "../tree-model.ts";

interface Target {
  project: string;
  id: string;
  name: string;
  range: monaco.IRange;
}

const REJECT = 'Rename works on a step named in step("…") and on the variables of the sequence';

/** The object named at a position of a field's code (its model path is project/object/property.js). */
function targetAt(model: monaco.editor.ITextModel, position: monaco.Position): Target | undefined {
  const parts = model.uri.path.replace(/^\//, "").replace(/\.js$/, "").split("/").map(decodeURIComponent);
  if (parts.length < 3) return undefined;
  const [project, objectId] = parts as [string, string];
  const { projects, types } = useStudio.getState();
  const p = projects[project];
  if (!p?.nodes.has(objectId)) return undefined;
  const owner = enclosingRequestable(p, objectId, types)?.node;
  if (!owner) return undefined;
  const text = model.getValue();
  const tokens = tokenize(text);
  const token = tokenAt(tokens, model.getOffsetAt(position));
  if (!token) return undefined;
  const range = (start: number, end: number): monaco.IRange => {
    const a = model.getPositionAt(start);
    const b = model.getPositionAt(end);
    return { startLineNumber: a.lineNumber, startColumn: a.column, endLineNumber: b.lineNumber, endColumn: b.column };
  };
  const lookup = schemaLookup(types);
  const world = refProjects(projects, types);
  const byName = (name: string) => world.find((w) => w.name === name);
  const call = stepCalls(text, tokens).find((c) => c.token === token);
  if (call) {
    const step = resolveReference({ refers: "step", project, name: call.name, within: owner.id }, byName, lookup);
    if (!step) return undefined;
    return { project, id: step.id, name: step.name, range: range(token.start + 1, token.end - 1) };
  }
  if (token.kind !== "name") return undefined;
  const uses = [...variableUses(text, undefined, false, tokens), ...variableUses(text, token.text, true, tokens)];
  const use = uses.find((u) => u.token === token);
  if (!use) return undefined;
  const variable = resolveReference({ refers: "variable", project, name: use.name, within: owner.id }, byName, lookup);
  if (!variable) return undefined;
  return { project, id: variable.id, name: variable.name, range: range(token.start, token.end) };
}

monaco.languages.registerRenameProvider("javascript", {
  resolveRenameLocation(model, position) {
    const t = targetAt(model, position);
    if (!t) {
      const word = model.getWordAtPosition(position);
      const range = word
        ? new monaco.Range(position.lineNumber, word.startColumn, position.lineNumber, word.endColumn)
        : new monaco.Range(position.lineNumber, position.column, position.lineNumber, position.column);
      return { range, text: word?.word ?? "", rejectReason: REJECT };
    }
    return { range: t.range, text: t.name };
  },
  provideRenameEdits(model, position, newName) {
    const t = targetAt(model, position);
    if (!t) return { edits: [], rejectReason: REJECT };
    // The dialog shows what changes (this code included) and makes the one change.
    openRename(t.project, t.id, newName);
    return { edits: [] };
  },
});
