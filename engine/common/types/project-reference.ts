import { defineType } from "../model/typedef.ts";
import { commentProp } from "./shared-props.ts";

/**
 * A project this one uses (its sequences and transactions are called from here): Convertigo's
 * "Import Project schema" reference (`references.ProjectSchemaReference`). The referenced project
 * must be a project of the same workspace; when it is not, the Problems view says so as an error,
 * with how to get it (import it beside, or fetch it from `location`).
 */
export const projectReferenceType = defineType({
  type: "ProjectReference",
  label: "Project reference",
  category: "reference",
  icon: "reference",
  description:
    "Another project of the workspace that this one uses (calls its sequences or transactions). A missing referenced project is reported as an error, with where to get it.",
  accepts: [],
  onlyIn: ["Project"],
  props: [
    commentProp,
    {
      name: "project",
      label: "Project",
      kind: "reference",
      refers: "project",
      required: true,
      help: "The name of the referenced project, a project of the same workspace.",
      missing: {
        severity: "error",
        hint: [
          "Add it to the workspace: import its Convertigo folder (atelier import-convertigo, which also imports the projects found beside it), or copy its Atelier project folder into the workspace.",
          "It comes from {location}.",
        ],
      },
    },
    {
      name: "location",
      label: "Location",
      kind: "string",
      help: "Where to get the referenced project, as Convertigo wrote it: a git URL with its options (NAME=https://host/repo.git:branch=master) or a .zip/.car URL. Kept for fetching it; not used at run time.",
    },
  ],
  check: (node) => {
    const project = node.props.project;
    if (typeof project === "string" && project !== "" && /[\s/\\:]/.test(project)) {
      return [`"${project}" is not a project name (a reference names a project of the workspace by its name)`];
    }
    return [];
  },
});
