import { defineType } from "../model/typedef.ts";
import { commentProp } from "./shared-props.ts";

export const projectType = defineType({
  type: "Project",
  label: "Project",
  category: "project",
  icon: "project",
  description: "A project: its connectors, its sequences, its settings and the projects it references.",
  accepts: ["category:connector", "category:sequence", "category:setting", "category:reference", "UrlMapper"],
  props: [
    commentProp,
    { name: "version", label: "Version", kind: "string", help: "The project's version, for deployments." },
    {
      name: "sessionTimeout",
      label: "Session timeout (s)",
      kind: "integer",
      default: 1800,
      min: 10,
      max: 604800,
      help: "Seconds of inactivity after which a caller's session ends.",
    },
  ],
});
