import { defineType } from "../../model/typedef.ts";
import { HEADER_NAME } from "../../api/rest-paths.ts";
import { commentProp } from "../shared-props.ts";

export const restParameterType = defineType({
  type: "RestParameter",
  label: "REST parameter",
  category: "api",
  icon: "variable",
  description:
    "An input of a REST operation, read from the path, the query, a header, a field of the body, or the whole body, converted to its type and given to a variable of the operation's target.",
  accepts: [],
  onlyIn: ["RestOperation"],
  props: [
    {
      name: "in",
      label: "In",
      kind: "enum",
      values: ["query", "path", "header", "form", "body"],
      default: "query",
      help: "Where the value is read: query (?name=), path (a {name} segment), header, form (a field of a form or JSON object body), body (the whole JSON body as one value).",
    },
    {
      name: "variable",
      label: "Target variable",
      kind: "string",
      default: "",
      help: "The variable of the target that gets the value (Convertigo's mappedVariableName); empty: the variable named like the parameter.",
    },
    {
      name: "dataType",
      label: "Type",
      kind: "enum",
      values: ["auto", "string", "integer", "number", "boolean", "json"],
      default: "auto",
      help: "The value's type: auto takes the target variable's type. A value that does not convert is refused (400, naming the parameter).",
    },
    {
      name: "required",
      label: "Required",
      kind: "boolean",
      default: false,
      help: "Refuse (400) a call without this parameter. Path parameters are always required.",
    },
    {
      name: "multiValued",
      label: "Multi-valued",
      kind: "boolean",
      default: false,
      help: "A list: a repeated query or form parameter, a JSON list, or a header's comma-separated values.",
    },
    {
      name: "default",
      label: "Default value",
      kind: "json",
      help: "Given to the variable when the call has no value (else the variable's own default applies).",
    },
    {
      name: "description",
      label: "Description",
      kind: "text",
      help: "What the parameter means, for the API's documentation (empty: the variable's description).",
      group: "Documentation",
    },
    commentProp,
  ],
  check: (node) => {
    const out: string[] = [];
    if (node.props.in === "header" && !HEADER_NAME.test(node.name)) out.push(`"${node.name}" cannot be a header name`);
    if (node.props.in === "body" && node.props.multiValued === true)
      out.push("A body parameter is one value (a JSON list is a json value, not multi-valued)");
    return out;
  },
});
