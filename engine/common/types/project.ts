import type { ObjNode } from "../model/node.ts";
import { defineType } from "../model/typedef.ts";
import { commentProp } from "./shared-props.ts";

/**
 * What is wrong with a project holding these Applications (the UI builder): a project has one, in
 * ui/<name>.yaml, and the files of ui/pages/, ui/shared/ and ui/actions/ belong to it. Said by
 * Project's check, and by the Studio when a second one would be added.
 */
export function secondApplicationProblem(projectName: string, applications: readonly string[]): string | undefined {
  if (applications.length < 2) return undefined;
  return `The project ${projectName} holds ${applications.length} applications (${applications.map((a) => `"${a}"`).join(", ")}): a project has one application, whose pages, shared components and shared actions are the files of ui/pages/, ui/shared/ and ui/actions/. Keep one (move what the others hold into it, then delete them)`;
}

export const projectType = defineType({
  type: "Project",
  label: "Project",
  category: "project",
  icon: "project",
  description:
    "A project: its connectors, its sequences, its settings, the projects it references, its REST API and its application (UI).",
  accepts: [
    "category:connector",
    "category:sequence",
    "category:setting",
    "category:reference",
    "UrlMapper",
    "Application",
  ],
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
  check: (node: ObjNode) => {
    const problem = secondApplicationProblem(
      node.name,
      node.children.filter((c) => c.type === "Application").map((c) => c.name),
    );
    return problem ? [problem] : [];
  },
});
