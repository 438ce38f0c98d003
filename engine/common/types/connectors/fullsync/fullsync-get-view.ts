import { defineType } from "../../../model/typedef.ts";
import { NAME_PATTERN } from "../../shared-props.ts";
import {
  failFromDb,
  fullSyncTransactionProps,
  givenOptions,
  openDatabase,
  queryOptionNames,
  queryVariables,
} from "./fullsync-support.ts";

const reduceVariables = [
  { name: "reduce", dataType: "boolean", description: "Use the view's reduce function (default: when it has one)." },
  { name: "group", dataType: "boolean", description: "Reduce by distinct key." },
  { name: "group_level", dataType: "integer", description: "Reduce by the first N items of array keys." },
] as const;

/** The view given at call time (Convertigo's `_use_ddoc` and `_use_view`). */
const viewVariables = [
  { name: "ddoc", dataType: "string", description: "The design document to query (replaces the transaction's)." },
  { name: "view", dataType: "string", description: "The view to query (replaces the transaction's)." },
] as const;

const NAME_RE = new RegExp(`^${NAME_PATTERN}$`);

function givenName(v: unknown): string | undefined {
  return typeof v === "string" && v !== "" ? v : undefined;
}

export const fullSyncGetViewType = defineType({
  type: "FullSyncGetView",
  label: "Get View",
  category: "transaction",
  icon: "fullsync-view",
  description:
    "Queries a view of the connector's FullSync database (a map/reduce view of a design document declared on the connector): {total_rows, offset, rows: [{id, key, value, doc?}]}. The view is its properties' or, given at call time, the ddoc and view variables'.",
  accepts: ["Variable", "TestCase"],
  onlyIn: ["FullSyncConnector"],
  version: 2,
  migrations: [
    {
      to: 2,
      description: "the design document and the view may be left empty, to be given at call time (ddoc and view)",
      up: (props) => props,
    },
  ],
  props: [
    ...fullSyncTransactionProps,
    {
      name: "designDocument",
      label: "Design document",
      kind: "string",
      pattern: NAME_PATTERN,
      help: "The design document's name, without _design/ (a Design document of this connector); a caller's ddoc variable replaces it.",
      group: "FullSync",
    },
    {
      name: "view",
      label: "View",
      kind: "string",
      pattern: NAME_PATTERN,
      help: "The view's name in the design document; a caller's view variable replaces it.",
      group: "FullSync",
    },
  ],
  variables: [...viewVariables, ...queryVariables, ...reduceVariables],
  check: (node) =>
    (node.props.designDocument ? 1 : 0) + (node.props.view ? 1 : 0) === 1
      ? ["Give both the design document and the view, or neither (callers then give ddoc and view)."]
      : [],
  execute: async (tx, connector, ctx) => {
    const target = openDatabase(tx, connector, ctx);
    const ddoc = givenName(ctx.vars.ddoc) ?? ctx.prop<string>(tx, "designDocument");
    const view = givenName(ctx.vars.view) ?? ctx.prop<string>(tx, "view");
    if (!ddoc || !view || !NAME_RE.test(ddoc) || !NAME_RE.test(view)) {
      return ctx.fail(
        "view_not_given",
        `Transaction ${target.label}: ${!ddoc || !view ? "no view to query: set the transaction's design document and view, or give the ddoc and view variables" : `"${ddoc}/${view}" is not a design document and view name`}`,
        { designDocument: ddoc ?? null, view: view ?? null },
        400,
      );
    }
    const opts = givenOptions(ctx.vars, [...queryOptionNames, ...reduceVariables.map((v) => v.name)]);
    ctx.input("view", `${ddoc}/${view}`);
    ctx.input("options", opts);
    try {
      return { data: await target.data.query(`${ddoc}/${view}`, opts) };
    } catch (e) {
      const err = e as { status?: number };
      if (err && err.status === 404) {
        return ctx.fail(
          "view_not_found",
          `Transaction ${target.label}: the FullSync database "${target.db}" has no view "${view}" in the design document "${ddoc}" (declare it as a Design document of the connector ${connector.name})`,
          { database: target.db, designDocument: ddoc, view },
          404,
        );
      }
      return failFromDb(ctx, target, e);
    }
  },
});
