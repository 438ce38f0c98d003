import { defineType } from "../../../model/typedef.ts";
import { commentProp, NAME_PATTERN } from "../../shared-props.ts";

/** Design documents Atelier (and Convertigo) keep for themselves. */
export const RESERVED_DESIGN_DOCS = new Set(["c8o"]);

export const fullSyncDesignDocumentType = defineType({
  type: "FullSyncDesignDocument",
  label: "Design document",
  category: "design",
  icon: "design-document",
  description:
    "A CouchDB design document of the connector's database, holding views. The engine installs it in the database (as _design/<name>) whenever the project loads.",
  accepts: ["FullSyncView"],
  onlyIn: ["FullSyncConnector"],
  props: [commentProp],
  check: (node) => {
    const issues: string[] = [];
    if (!new RegExp(`^${NAME_PATTERN}$`).test(node.name)) issues.push(`Invalid design document name "${node.name}"`);
    if (RESERVED_DESIGN_DOCS.has(node.name)) issues.push(`The design document name "${node.name}" is reserved`);
    const seen = new Set<string>();
    for (const c of node.children) {
      if (c.type !== "FullSyncView") continue;
      if (seen.has(c.name)) issues.push(`Two views are named "${c.name}"`);
      seen.add(c.name);
    }
    return issues;
  },
});
