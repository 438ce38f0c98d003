import { defineType } from "../../model/typedef.ts";
import { commentProp } from "../shared-props.ts";

export const REST_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"] as const;

export const restOperationType = defineType({
  type: "RestOperation",
  label: "REST operation",
  category: "api",
  icon: "api-operation",
  description:
    "An HTTP method on a REST path, running a sequence or a transaction (Convertigo's Get/Post/Put/Delete operations). Its parameters give the target's variables; its responses say what the caller gets.",
  accepts: ["RestParameter", "RestResponse"],
  onlyIn: ["RestPath"],
  props: [
    {
      name: "method",
      label: "Method",
      kind: "enum",
      values: REST_METHODS,
      default: "GET",
      help: "The HTTP method. HEAD is also answered by a GET operation (without body).",
    },
    {
      name: "project",
      label: "Project",
      kind: "reference",
      refers: "project",
      help: "The project of the target; empty for this project.",
      group: "Target",
    },
    {
      name: "sequence",
      label: "Sequence",
      kind: "reference",
      refers: "sequence",
      qualifiedBy: { project: "project" },
      help: "The sequence this operation runs (or give a transaction).",
      group: "Target",
    },
    {
      name: "connector",
      label: "Connector",
      kind: "reference",
      refers: "connector",
      qualifiedBy: { project: "project" },
      help: "For a transaction target: its connector; empty for the default connector.",
      group: "Target",
    },
    {
      name: "transaction",
      label: "Transaction",
      kind: "reference",
      refers: "transaction",
      qualifiedBy: { project: "project", connector: "connector" },
      help: "The transaction this operation runs, when it runs no sequence.",
      group: "Target",
    },
    {
      name: "terminateSession",
      label: "Terminate session",
      kind: "boolean",
      default: false,
      help: "End the caller's session after the call (for stateless clients that keep no cookie).",
    },
    {
      name: "summary",
      label: "Summary",
      kind: "string",
      help: "One line saying what the operation does (OpenAPI summary).",
      group: "Documentation",
    },
    {
      name: "description",
      label: "Description",
      kind: "text",
      help: "What the operation does, in more words (Markdown).",
      group: "Documentation",
    },
    {
      name: "tags",
      label: "Tags",
      kind: "stringList",
      default: [],
      help: "Groups the operation belongs to in the documentation.",
      group: "Documentation",
    },
    commentProp,
  ],
  check: (node) => {
    const seq = typeof node.props.sequence === "string" && node.props.sequence !== "";
    const tx = typeof node.props.transaction === "string" && node.props.transaction !== "";
    if (seq && tx) return ["Give a sequence or a transaction, not both"];
    const out: string[] = [];
    if (!seq && !tx) out.push("Give the sequence (or the transaction) this operation runs");
    const seen = new Set<string>();
    for (const c of node.children) {
      if (c.type !== "RestParameter") continue;
      const where = String(c.props.in ?? "query");
      // Query, form and path names share the target's inputs; headers are case-insensitive.
      const key =
        where === "header" ? `header:${c.name.toLowerCase()}` : where === "body" ? "body" : `${where}:${c.name}`;
      if (seen.has(key))
        out.push(
          where === "body"
            ? "Two body parameters: the body is one value"
            : `Two ${where} parameters are named "${c.name}"`,
        );
      seen.add(key);
    }
    if (seen.has("body") && [...seen].some((k) => k.startsWith("form:"))) {
      out.push("A body parameter takes the whole body: it cannot be used with form parameters");
    }
    return out;
  },
});
