import { defineType } from "../model/typedef.ts";
import { NAME_PATTERN } from "./shared-props.ts";

export const settingType = defineType({
  type: "Setting",
  label: "Setting",
  category: "setting",
  icon: "setting",
  description:
    "A named value used in any property as ${name} or ${name=default}. The project gives its default; the workspace or server configuration, ATELIER_SET_<name> environment variables and --set override it.",
  accepts: [],
  onlyIn: ["Project"],
  props: [
    { name: "value", label: "Default value", kind: "string", help: "The value used when nothing overrides it." },
    {
      name: "secret",
      label: "Secret",
      kind: "boolean",
      default: false,
      help: "A secret is stored encrypted in the project file and never written to logs or traces.",
    },
    { name: "description", label: "Description", kind: "text", help: "What the setting is for." },
  ],
  check: (node) => {
    const issues: string[] = [];
    if (!new RegExp(`^${NAME_PATTERN}$`).test(node.name)) issues.push(`Invalid setting name "${node.name}"`);
    const value = node.props.value;
    if (node.props.secret === true && typeof value === "string" && value !== "" && !value.startsWith("enc:v1:")) {
      issues.push(
        "This secret is stored in clear in the project file: set it again with `atelier secret` or the Studio to encrypt it",
      );
    }
    return issues;
  },
});
