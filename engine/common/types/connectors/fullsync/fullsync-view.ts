import { schemaProblem } from "../../../model/json-schema.ts";
import { defineType } from "../../../model/typedef.ts";
import { commentProp, NAME_PATTERN } from "../../shared-props.ts";

const FUNCTION_START = /^\s*(?:function\b|\(?\s*[A-Za-z_$][\w$]*\s*(?:,\s*[A-Za-z_$][\w$]*\s*)*\)?\s*=>)/;
const BUILT_IN_REDUCES = new Set(["_count", "_sum", "_stats", "_approx_count_distinct"]);

export const fullSyncViewType = defineType({
  type: "FullSyncView",
  label: "View",
  category: "design",
  icon: "view",
  description:
    "A map/reduce view of a design document: the map function emits (key, value) rows for each document; the optional reduce combines them.",
  accepts: [],
  onlyIn: ["FullSyncDesignDocument"],
  version: 2,
  migrations: [
    {
      to: 2,
      description:
        "optional declared schemas of the rows (rowSchema) and documents (docSchema) were added; nothing to write",
      up: (props) => props,
    },
  ],
  props: [
    commentProp,
    {
      name: "map",
      label: "Map function",
      kind: "code",
      js: "expression",
      required: true,
      help: "function (doc) { if (doc.type === 'order') emit(doc._id, null); } — called for every document; emit(key, value) adds a row. FullSync listeners query their view with the pushed documents' ids as keys, so their views emit doc._id.",
      check: (v) =>
        typeof v === "string" && !FUNCTION_START.test(v)
          ? "The map function must be a JavaScript function: function (doc) { ... }"
          : undefined,
    },
    {
      name: "reduce",
      label: "Reduce",
      kind: "code",
      js: "expression",
      help: "Optional: _count, _sum, _stats, or function (keys, values, rereduce) { ... }.",
      check: (v) =>
        typeof v === "string" && v.trim() !== "" && !BUILT_IN_REDUCES.has(v.trim()) && !FUNCTION_START.test(v)
          ? "The reduce must be _count, _sum, _stats or a JavaScript function"
          : undefined,
    },
    {
      name: "rowSchema",
      label: "Row schema",
      kind: "json",
      help: 'The JSON Schema of one row ({ "type": "object", "properties": { "id": ..., "key": ..., "value": ... } }), what apps bind to. Empty: inferred from the map function (its emit calls).',
      group: "Schemas",
      check: (v) => schemaProblem(v, "Row schema"),
    },
    {
      name: "docSchema",
      label: "Document schema",
      kind: "json",
      help: "The JSON Schema of the documents the view reads (a row's doc with include_docs). Empty: inferred from the map function (the doc.x it reads).",
      group: "Schemas",
      check: (v) => schemaProblem(v, "Document schema"),
    },
  ],
  check: (node) => (new RegExp(`^${NAME_PATTERN}$`).test(node.name) ? [] : [`Invalid view name "${node.name}"`]),
});
