import { defineType } from "../../model/typedef.ts";
import { commentProp } from "../shared-props.ts";
import { childComponentProblems, duplicateNames, eventProblems, PAGE_EVENTS } from "./ui-props.ts";

/** A route: lower-case letters, digits, - and /, and :parameters. */
export const ROUTE_PATTERN = "[a-z0-9-/:]*";

export const pageType = defineType({
  type: "Page",
  label: "Page",
  category: "page",
  icon: "page",
  description:
    "A page of the application, at its own route: the components it shows, the states it keeps while open, its styles and its events (load, enter, leave).",
  accepts: ["category:ui", "Event", "State", "Style"],
  onlyIn: ["Application"],
  file: "ui/pages",
  fileParent: "Application",
  props: [
    commentProp,
    { name: "title", label: "Title", kind: "string", help: "The page's title (the browser tab, menus)." },
    {
      name: "route",
      label: "Route",
      kind: "string",
      pattern: ROUTE_PATTERN,
      help: "The page's path in the app's URL, e.g. orders or orders/:id. Empty: the page's name in lower case.",
    },
    {
      name: "requiresLogin",
      label: "Requires login",
      kind: "boolean",
      default: false,
      help: "Show the login page instead while no user is logged in.",
    },
    {
      name: "inMenu",
      label: "In menu",
      kind: "boolean",
      default: true,
      help: "List the page in the app's menu.",
    },
    { name: "icon", label: "Icon", kind: "string", help: "The page's icon in menus: an Ionicons name (cart-outline)." },
  ],
  check: (node) => {
    const out = [
      ...duplicateNames(node, ["State"], "states"),
      ...eventProblems(node, PAGE_EVENTS, "A page"),
      ...childComponentProblems(node, "Page"),
    ];
    if ((node.props.route === undefined || node.props.route === "") && node.name) {
      const derived = node.name.toLowerCase();
      if (!new RegExp(`^(?:${ROUTE_PATTERN})$`).test(derived)) {
        out.push(`The name "${node.name}" makes no route (${ROUTE_PATTERN}): set Route`);
      }
    }
    return out;
  },
});
