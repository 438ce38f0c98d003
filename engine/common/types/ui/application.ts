/**
 * The application of a project's UI (issue 18, the UI builder): its pages, shared components and
 * actions, states, styles and start events. One per project (Project's check), saved in
 * `ui/<name>.yaml`; its pages, shared components and shared actions each in a file of their own
 * (`ui/pages/`, `ui/shared/`, `ui/actions/`), read after it and attached under it
 * (engine/common/format/project-format.ts; design: docs/design/ui-builder.md §2.1).
 */
import { defineType } from "../../model/typedef.ts";
import { THEME_COLOR_NAMES, themeProblems } from "../../ui/theme.ts";
import { commentProp } from "../shared-props.ts";
import { childComponentProblems, APP_EVENTS, duplicateNames, eventProblems } from "./ui-props.ts";

/** Why an `endpoint` value is not an engine's address, or undefined (empty is fine: not set). */
export function endpointProblem(value: unknown): string | undefined {
  if (value === undefined || value === null || value === "") return undefined;
  if (typeof value !== "string") return "Engine address must be a text";
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return `Engine address "${value}" is not an absolute URL (https://engine.example.com)`;
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    return `Engine address "${value}" must be an http or https URL`;
  }
  // The runtime appends /projects/... and /fullsync/...: a query, a fragment or credentials would be lost or leaked.
  if (url.search || url.hash || url.username || url.password) {
    return `Engine address "${value}" must have no query, fragment nor user name`;
  }
  return undefined;
}

export const applicationType = defineType({
  type: "Application",
  label: "Application",
  category: "app",
  icon: "app",
  description:
    "The project's web and mobile application: its pages, shared components and actions, the states every page reads, styles and start events. Built as a Vite + React (Ionic) app served at /apps/<project>/, working offline.",
  // Components: the app-wide ones the catalogue places under the application (its menu, tab bar).
  accepts: ["Page", "SharedComponent", "SharedAction", "State", "Style", "Event", "Component"],
  onlyIn: ["Project"],
  file: "ui",
  version: 2,
  migrations: [
    {
      to: 2,
      description:
        "the page order names pages as references (renamed with them), and an optional endpoint was added; nothing to write",
      up: (props) => props,
    },
  ],
  props: [
    commentProp,
    {
      name: "title",
      label: "Title",
      kind: "string",
      help: "The application's title (the browser tab, the installed app).",
    },
    {
      name: "startPage",
      label: "Start page",
      kind: "reference",
      refers: "page",
      required: true,
      missing: { severity: "error", hint: ["Add a page to the application, or choose one of its pages."] },
      help: "The page shown first (after the login page when it requires a logged-in user).",
    },
    {
      name: "loginPage",
      label: "Login page",
      kind: "reference",
      refers: "page",
      missing: { severity: "error" },
      help: "The page shown instead of a page that requires login while no user is logged in. Empty: no login page.",
    },
    {
      name: "theme",
      label: "Theme",
      kind: "json",
      default: {},
      help: `Colors of the theme, each #rrggbb or #rgb: { "primary": "#2563eb", "danger": "#dc2626" }. The names: ${THEME_COLOR_NAMES.join(", ")}. Each becomes Ionic's color variables (with its text color, shade and tint computed); the colors not given keep Ionic's.`,
      group: "Appearance",
      // The same reading as the app's (app-runtime/theme.ts): what is reported here, on the
      // property, is what the app leaves out of its CSS.
      check: (value) => {
        const problems = themeProblems(value);
        return problems.length > 0 ? `Theme: ${problems.join("; ")}` : undefined;
      },
    },
    {
      name: "mode",
      label: "Mode",
      kind: "enum",
      values: ["auto", "md", "ios"],
      default: "auto",
      help: "The look of the components: md (Material), ios, or auto (the device's).",
      group: "Appearance",
    },
    {
      name: "dark",
      label: "Dark mode",
      kind: "enum",
      values: ["auto", "light", "dark"],
      default: "auto",
      help: "Light or dark colors; auto follows the device's setting.",
      group: "Appearance",
    },
    {
      name: "pwaName",
      label: "Installed name",
      kind: "string",
      help: "The name of the installed app (its web manifest). Empty: the title.",
      group: "Installation",
    },
    {
      name: "pwaShortName",
      label: "Installed short name",
      kind: "string",
      help: "The name under the icon of the installed app. Empty: the installed name.",
      group: "Installation",
    },
    {
      name: "themeColor",
      label: "Theme color",
      kind: "string",
      default: "#2563eb",
      pattern: "#[0-9a-fA-F]{6}",
      help: "The color of the browser's bar and of the installed app's splash screen: #rrggbb.",
      group: "Installation",
    },
    {
      name: "icon",
      label: "Icon",
      kind: "string",
      help: "The app's icon: the path of a PNG file in the project (512×512 at least).",
      group: "Installation",
    },
    {
      name: "pageOrder",
      label: "Page order",
      kind: "stringList",
      refers: "page",
      help: "The order of the pages (names); pages not listed come after, by name.",
    },
    {
      name: "capacitorAppId",
      label: "Capacitor app id",
      kind: "string",
      pattern: "[A-Za-z][\\w]*(\\.[A-Za-z][\\w]*)+",
      help: "The id of the native app built with Capacitor, a reversed domain (com.example.orders).",
      group: "Installation",
    },
    {
      name: "endpoint",
      label: "Engine address",
      kind: "string",
      help: "The engine the app calls when it is not served by the engine itself, e.g. in a Capacitor shell or on another web server: its absolute http(s) address (https://engine.example.com). Empty: the engine that serves the app. That engine lists the app's origin in cors.origins.",
      group: "Installation",
      check: endpointProblem,
    },
  ],
  check: (node) => {
    // Pages, shared components and shared actions are files named after them: the naming rules
    // (engine/common/model/naming.ts) report their clashes.
    const out = [
      ...duplicateNames(node, ["State"], "states"),
      ...eventProblems(node, APP_EVENTS, "The application"),
      ...childComponentProblems(node, "Application"),
    ];
    const pages = node.children.filter((c) => c.type === "Page");
    const routes = new Map<string, string>();
    for (const p of pages) {
      const route = typeof p.props.route === "string" && p.props.route !== "" ? p.props.route : p.name.toLowerCase();
      const other = routes.get(route);
      if (other !== undefined) out.push(`The pages ${other} and ${p.name} have the same route "${route}"`);
      else routes.set(route, p.name);
    }
    const names = new Set(pages.map((p) => p.name));
    const order = Array.isArray(node.props.pageOrder) ? node.props.pageOrder : [];
    for (const name of order) {
      if (typeof name === "string" && !names.has(name)) out.push(`Page order: there is no page "${name}"`);
    }
    if (node.props.loginPage && node.props.loginPage === node.props.startPage) {
      out.push("The login page cannot be the start page");
    }
    return out;
  },
});
