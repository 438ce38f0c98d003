import { defineType } from "../model/typedef.ts";

export const variableType = defineType({
  type: "Variable",
  label: "Variable",
  category: "variable",
  icon: "variable",
  description: "An input of a sequence or a transaction.",
  accepts: [],
  onlyIn: ["Sequence", "JsonHttpTransaction", "category:transaction"],
  version: 2,
  migrations: [
    {
      to: 2,
      // Convertigo calls it httpMethod, but it says where a transaction sends the variable (query,
      // header, body, path template, nowhere), not an HTTP method: the name now says what it is.
      description: "httpMethod (where the variable is sent) is now httpUse",
      up: ({ httpMethod, ...rest }) => (httpMethod === undefined ? rest : { ...rest, httpUse: httpMethod }),
    },
  ],
  props: [
    {
      name: "dataType",
      label: "Type",
      kind: "enum",
      values: ["string", "integer", "number", "boolean", "json"],
      default: "string",
      help: "Values received as text (HTTP, CLI) are converted to this type; a value that does not convert is refused.",
    },
    {
      name: "default",
      label: "Default value",
      kind: "json",
      help: "Used when the caller gives no value. A text default may use ${setting} (resolved at run time).",
      check: (v, node) => defaultProblem(v, String(node.props.dataType ?? "string")),
    },
    {
      name: "multiValued",
      label: "Multi-valued",
      kind: "boolean",
      default: false,
      help: "The variable is a list: repeated HTTP parameters or --var options give its values.",
    },
    {
      name: "required",
      label: "Required",
      kind: "boolean",
      default: false,
      help: "Refuse a call that gives no value (and no default).",
    },
    { name: "description", label: "Description", kind: "text", help: "What the variable means, for callers." },
    {
      name: "httpUse",
      label: "HTTP use",
      kind: "enum",
      values: ["none", "query", "header", "path", "body"],
      default: "query",
      help: "For transaction variables: sent as a query parameter, a header, a body field, or only used in the path template.",
      group: "HTTP",
    },
    {
      name: "httpName",
      label: "HTTP name",
      kind: "string",
      help: "The parameter, header or body field name, when it differs from the variable's name.",
      group: "HTTP",
    },
  ],
});

/**
 * Why a default cannot be a value of the variable's type, as the runtime converts values
 * (engine/node/runtime/variables.ts: numbers and booleans may be given as text); undefined when
 * it can. A text holding a ${setting} is resolved at run time and not judged here.
 */
export function defaultProblem(value: unknown, dataType: string): string | undefined {
  const one = (v: unknown): string | undefined => {
    if (typeof v === "string" && v.includes("${")) return undefined;
    switch (dataType) {
      case "integer": {
        const n = typeof v === "number" ? v : typeof v === "string" && v.trim() !== "" ? Number(v) : NaN;
        return Number.isInteger(n)
          ? undefined
          : `Default value must be a whole number for an integer variable, not ${JSON.stringify(v)}`;
      }
      case "number": {
        const n = typeof v === "number" ? v : typeof v === "string" && v.trim() !== "" ? Number(v) : NaN;
        return Number.isFinite(n)
          ? undefined
          : `Default value must be a number for a number variable, not ${JSON.stringify(v)}`;
      }
      case "boolean":
        return typeof v === "boolean" || ["true", "false", "1", "0", "on", "off"].includes(String(v))
          ? undefined
          : `Default value must be true or false for a boolean variable, not ${JSON.stringify(v)}`;
      default:
        return undefined;
    }
  };
  if (Array.isArray(value) && dataType !== "json") {
    for (const v of value) {
      const p = one(v);
      if (p) return p;
    }
    return undefined;
  }
  return one(value);
}
