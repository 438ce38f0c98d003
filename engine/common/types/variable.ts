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
