import { fillTemplate, HEADER_NAME, parseCondition, PathTemplateError } from "../../api/rest-paths.ts";
import { defineType } from "../../model/typedef.ts";
import { commentProp } from "../shared-props.ts";

export const restResponseType = defineType({
  type: "RestResponse",
  label: "REST response",
  category: "api",
  icon: "api-response",
  description:
    "An answer a REST operation may give (Convertigo's operation response): its status, headers and body, chosen when its condition holds on the run's answer. The first response whose condition holds wins; a successful run with none answers 200 with its output, a failed one an RFC 9457 problem.",
  accepts: [],
  onlyIn: ["RestOperation"],
  props: [
    {
      name: "statusCode",
      label: "Status",
      kind: "integer",
      default: 200,
      min: 100,
      max: 599,
      help: "The HTTP status of this answer (200, 201, 204, 302, 404...).",
    },
    {
      name: "condition",
      label: "Condition",
      kind: "string",
      default: "",
      help: "When this answer applies, as a path into the run's answer: `error` (the run failed), `error.code == not_found`, `redirect` (the output has a non-empty redirect), `status != open`. Empty: a successful run.",
      check: (v) => {
        if (typeof v !== "string" || v.trim() === "") return undefined;
        try {
          parseCondition(v);
          return undefined;
        } catch (e) {
          return e instanceof PathTemplateError ? e.message : String(e);
        }
      },
    },
    {
      name: "headers",
      label: "Headers",
      kind: "keyValue",
      default: {},
      help: "Headers of this answer; {path} inserts a value of the run's answer: Location: {redirectUrl}.",
      check: (v) => {
        if (!v || typeof v !== "object") return undefined;
        for (const [k, t] of Object.entries(v as Record<string, unknown>)) {
          if (!HEADER_NAME.test(k)) return `"${k}" cannot be a header name`;
          if (/^(content-length|transfer-encoding|connection|set-cookie)$/i.test(k))
            return `The ${k} header is the engine's to write`;
          if (typeof t === "string") fillTemplate(t, {});
        }
        return undefined;
      },
    },
    {
      name: "body",
      label: "Body",
      kind: "string",
      default: "output",
      help: "What the answer holds: output (the run's whole output, or the problem of a failed run), none (no body, e.g. 204 or 302), or a path into the output (data.items).",
    },
    {
      name: "description",
      label: "Description",
      kind: "text",
      help: "What this answer means, for the API's documentation.",
      group: "Documentation",
    },
    {
      name: "schema",
      label: "Body schema",
      kind: "json",
      help: "The JSON Schema of the body, for the API's documentation. Empty: inferred from the target's test cases and last runs.",
      group: "Documentation",
    },
    commentProp,
  ],
});
