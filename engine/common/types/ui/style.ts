import { defineType } from "../../model/typedef.ts";
import { cssProblem } from "../../ui/css-check.ts";

export const styleType = defineType({
  type: "Style",
  label: "Style",
  category: "app",
  icon: "style",
  description: "CSS for the application (every page), a page or a shared component, depending on where it is.",
  accepts: [],
  onlyIn: ["Application", "Page", "SharedComponent"],
  props: [
    {
      name: "css",
      label: "CSS",
      kind: "text",
      language: "css",
      help: "CSS rules. On a page or a shared component they only apply inside it.",
      // SCSS (Convertigo's styles) or broken braces: named here, left out of the built app.
      check: (v) => {
        const problem = typeof v === "string" ? cssProblem(v) : undefined;
        return problem && `This is not CSS, ${problem}: the app is built without this style`;
      },
    },
  ],
});
