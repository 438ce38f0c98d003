/**
 * Completion in SQL editors: table and column names of the connector's database, from the
 * engine's schema route. Each editor says which connector its query runs on; the schema is
 * fetched when an editor opens and kept briefly, so typing never waits on the database twice.
 */
import type { SqlSchema } from "../../../engine/common/model/typedef.ts";
import { api } from "../api.ts";
import { sqlCompletions } from "../sql-model.ts";
import { monaco } from "./monaco-setup.ts";

/** How long a connector's schema is reused (a failure: shorter, so a fixed connector is seen soon). */
const KEEP_MS = 30_000;
const KEEP_FAILED_MS = 5_000;

const editors = new Map<string, { project: string; connector: string }>();
const schemas = new Map<string, { at: number; ok: boolean; schema: Promise<SqlSchema | undefined> }>();

/** The schema of a connector, from the cache or the engine (undefined when it cannot be read). */
export function connectorSchema(project: string, connector: string): Promise<SqlSchema | undefined> {
  const key = `${project}\u0000${connector}`;
  const hit = schemas.get(key);
  if (hit && Date.now() - hit.at < (hit.ok ? KEEP_MS : KEEP_FAILED_MS)) return hit.schema;
  const entry = { at: Date.now(), ok: true, schema: Promise.resolve<SqlSchema | undefined>(undefined) };
  entry.schema = api.sqlSchema(project, connector).then(
    (s) => s,
    () => {
      entry.ok = false;
      return undefined;
    },
  );
  schemas.set(key, entry);
  return entry.schema;
}

/** An SQL editor opened on a model: its completion reads this connector's schema (fetched now). */
export function attachSqlEditor(uri: string, project: string, connector: string): () => void {
  editors.set(uri, { project, connector });
  void connectorSchema(project, connector);
  return () => {
    if (editors.get(uri)?.connector === connector) editors.delete(uri);
  };
}

monaco.languages.registerCompletionItemProvider("sql", {
  triggerCharacters: ["."],
  async provideCompletionItems(model, position) {
    const at = editors.get(model.uri.toString());
    if (!at) return { suggestions: [] };
    const schema = await connectorSchema(at.project, at.connector);
    if (!schema) return { suggestions: [] };
    const word = model.getWordUntilPosition(position);
    const range = new monaco.Range(position.lineNumber, word.startColumn, position.lineNumber, word.endColumn);
    const before = model.getValueInRange(new monaco.Range(1, 1, position.lineNumber, position.column));
    const kinds = monaco.languages.CompletionItemKind;
    return {
      suggestions: sqlCompletions(schema, before, model.getValue()).map((c) => ({
        label: c.label,
        kind: c.kind === "table" ? kinds.Struct : kinds.Field,
        detail: c.detail,
        insertText: c.insertText,
        sortText: c.sortText,
        range,
      })),
    };
  },
});
