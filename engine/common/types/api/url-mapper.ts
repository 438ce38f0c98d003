import { joinPaths, parsePathTemplate, PathTemplateError } from "../../api/rest-paths.ts";
import { defineType } from "../../model/typedef.ts";
import { commentProp } from "../shared-props.ts";

export const urlMapperType = defineType({
  type: "UrlMapper",
  label: "REST API",
  category: "api",
  icon: "api",
  description:
    "The project's REST API (Convertigo's URL mapper): paths such as /orders/{id}, each with operations (GET, POST...) running a sequence or a transaction. Served at /api/<prefix>/..., described as OpenAPI 3.1 at /api/openapi.json, documented at /api/docs.",
  accepts: ["RestPath"],
  onlyIn: ["Project"],
  file: "api",
  props: [
    commentProp,
    {
      name: "prefix",
      label: "Path prefix",
      kind: "string",
      default: "",
      help: "Put before every path of this API, after /api (e.g. /v1, or the project's name to keep projects apart). Empty: paths are served as written.",
      check: (v) => {
        if (typeof v !== "string" || v.trim() === "") return undefined;
        try {
          parsePathTemplate(joinPaths(v));
          return /[{}]/.test(v) ? "A prefix holds no {parameter}" : undefined;
        } catch (e) {
          return e instanceof PathTemplateError ? e.message : String(e);
        }
      },
    },
    {
      name: "title",
      label: "Title",
      kind: "string",
      help: "The API's title in its OpenAPI document (the project's name when empty).",
      group: "Documentation",
    },
    {
      name: "description",
      label: "Description",
      kind: "text",
      help: "What the API is for, in its OpenAPI document (Markdown).",
      group: "Documentation",
    },
  ],
  check: (node) => {
    const out: string[] = [];
    const seen = new Map<string, string>();
    const prefix = typeof node.props.prefix === "string" ? node.props.prefix : "";
    for (const c of node.children) {
      if (c.type !== "RestPath" || typeof c.props.path !== "string") continue;
      let key: string;
      try {
        key = parsePathTemplate(c.props.path)
          .segments.map((s) => ("literal" in s ? s.literal : "{}"))
          .join("/");
      } catch {
        continue;
      }
      const full = joinPaths(prefix, c.props.path);
      if (/^\/(openapi\.json|openapi\.yaml|docs)(\/|$)/.test(full)) {
        out.push(
          `${full} is the API's documentation, served by the engine: give "${c.props.path}" another path or the API a prefix`,
        );
      }
      if (/^\/studio(\/|$)/.test(full)) {
        out.push(
          `${full} is where the Studio's API answers (/api/studio) under the default REST prefix: give "${c.props.path}" another path or the API a prefix`,
        );
      }
      const prev = seen.get(key);
      if (prev !== undefined) out.push(`The paths "${prev}" and "${c.props.path}" match the same URLs: merge them`);
      else seen.set(key, c.props.path);
    }
    return out;
  },
});
