import { parsePathTemplate, PathTemplateError } from "../../api/rest-paths.ts";
import { defineType } from "../../model/typedef.ts";
import { commentProp } from "../shared-props.ts";

export const restPathType = defineType({
  type: "RestPath",
  label: "REST path",
  category: "api",
  icon: "api-path",
  description:
    "A path of the REST API (Convertigo's path mapping), such as /orders/{id}: a {name} segment is a path parameter. Holds one operation per HTTP method.",
  accepts: ["RestOperation"],
  onlyIn: ["UrlMapper"],
  props: [
    commentProp,
    {
      name: "path",
      label: "Path",
      kind: "string",
      required: true,
      help: "The path under the API's prefix, starting with /; {name} makes a whole segment a path parameter (/orders/{id}). A literal segment wins over a parameter (/orders/new before /orders/{id}).",
      check: (v) => {
        if (typeof v !== "string" || v === "") return undefined;
        try {
          parsePathTemplate(v);
          return undefined;
        } catch (e) {
          return e instanceof PathTemplateError ? e.message : String(e);
        }
      },
    },
  ],
  check: (node) => {
    const out: string[] = [];
    const methods = new Set<string>();
    for (const c of node.children) {
      if (c.type !== "RestOperation") continue;
      const m = String(c.props.method ?? "GET");
      if (methods.has(m)) out.push(`Two ${m} operations on this path: only the first is served`);
      methods.add(m);
    }
    return out;
  },
});
