import type { ObjNode } from "../../../common/model/node.ts";
import type { Binding } from "../../../common/model/props.ts";
import { actionForIonBean, type CatalogueAction } from "../../../common/ui/actions.ts";
import {
  componentByName,
  componentForIonBean,
  type CatalogueComponent,
  type CatalogueProp,
} from "../../../common/ui/catalogue.ts";
import { contentElements, contentText, type C8oBean, type C8oContent } from "../c8o-yaml.ts";
import { THEME_COLOR_NAMES } from "../../../common/ui/theme.ts";
import { indent, type Builder, type ImportContext } from "./builder.ts";
import type { ClassMapper, ClassMappers, Decision } from "./class-mapper.ts";
import { beanStr, PropBag } from "./prop-bag.ts";
import { convertSmart, type ConvertedValue, type PlainKind, type ValueContext } from "./ui-values.ts";

/**
 * Convertigo's mobile applications (design ui-builder.md §8): the `ngx.components.*` classes and
 * the older `mobile.components.*` ones (same shapes) become the UI builder's objects. The
 * application (`core.MobileApplication` and its `ApplicationComponent`, folded into one) becomes
 * the `Application` (`ui/App.yaml`), pages `Page`s, `UIDynamicElement`s `Component`s named by the
 * component catalogue (the entry listing the element's `ionBean`), actions `Action`s named by the
 * actions catalogue, and so on. Values (`plain:`, `script:`, `source:`) become bindings
 * (ui-values.ts). An ionBean no catalogue entry lists stays Foreign, the ionBean in the reason.
 */

/** What the UI importer keeps across one import: States to declare, scripts kept. */
interface UiImportState {
  appStates: Set<string>;
  pageStates: Map<C8oBean, Set<string>>;
  scriptsKept: number;
  /** The CSS of components' Styles, by the page, shared component or application it goes to. */
  componentCss: Map<C8oBean, string[]>;
  /** Custom actions' stubs: the registry key (the Custom action's function) → the stub's file. */
  customActions: Map<string, { file: string; text: string }>;
}

const STATES = new WeakMap<ImportContext, UiImportState>();

function stateOf(m: ImportContext): UiImportState {
  let s = STATES.get(m);
  if (!s) {
    s = {
      appStates: new Set(),
      pageStates: new Map(),
      scriptsKept: 0,
      componentCss: new Map(),
      customActions: new Map(),
    };
    STATES.set(m, s);
  }
  return s;
}

/**
 * The files the import adds to the project's app (paths relative to the project): for each of
 * Convertigo's custom actions a stub under app/src/custom/imported/ keeping its code, and
 * app/src/custom/actions.ts registering them (the app's codegen writes that file only when absent).
 */
export function uiExtraFiles(m: ImportContext): Map<string, string> {
  const customs = STATES.get(m)?.customActions;
  const files = new Map<string, string>();
  if (!customs?.size) return files;
  const keys = [...customs.keys()].sort();
  for (const k of keys) files.set(customs.get(k)!.file, customs.get(k)!.text);
  files.set(
    "app/src/custom/actions.ts",
    [
      "// Your custom actions: the Custom action of a chain calls one by its name here, with its inputs.",
      "// Atelier's import from Convertigo wrote this file (the app's build never rewrites it): each",
      '// imported action throws "not ported yet" until its code, kept in its imported/ file, is rewritten.',
      'import type { CustomAction } from "@atelier/runtime/chain.ts";',
      ...keys.map((k) => `import { ${k} } from "./${customs.get(k)!.file.replace(/^app\/src\/custom\//, "")}";`),
      "",
      "export const customActions: Record<string, CustomAction> = {",
      ...keys.map((k) => `  ${k},`),
      "};",
      "",
    ].join("\n"),
  );
  return files;
}

/** How many UI values of an import stayed scripts (for the import summary). */
export function uiScriptsKept(m: ImportContext): number {
  return STATES.get(m)?.scriptsKept ?? 0;
}

// ---------------------------------------------------------------- reading Convertigo's values

/** Convertigo's `beanData` (a JSON text, quoted once more in block form), or undefined. */
export function readBeanData(bean: C8oBean): Record<string, string> | undefined {
  const raw = beanStr(bean, "beanData", "").trim();
  if (raw === "") return undefined;
  for (const text of [raw, unquote(raw)]) {
    try {
      const v = JSON.parse(text) as unknown;
      if (typeof v === "object" && v !== null && !Array.isArray(v)) {
        return Object.fromEntries(
          Object.entries(v).map(([k, x]) => [k, typeof x === "string" ? x : JSON.stringify(x)]),
        );
      }
    } catch {
      // tried unquoted next
    }
  }
  return undefined;
}

/** A `'...'` text of Convertigo's files (`''` for a quote) without its quotes. */
function unquote(t: string): string {
  const s = t.trim();
  return s.length >= 2 && s.startsWith("'") && s.endsWith("'") ? s.slice(1, -1).replace(/''/g, "'") : s;
}

/** The `mode:value` text of a MobileSmartSourceType property, or undefined. */
function smartText(content: C8oContent | undefined): string | undefined {
  if (content === undefined) return undefined;
  const x = contentElements(content, "xmlizable")[0];
  const st = x ? contentElements(x.content, "MobileSmartSourceType")[0] : undefined;
  return st ? (contentText(st.content) ?? "") : contentText(content);
}

/** The text of a FormatedContent property (scripts, styles). */
function formatted(content: C8oContent | undefined): string {
  if (content === undefined) return "";
  const x = contentElements(content, "xmlizable")[0];
  const fc = x ? contentElements(x.content, "com.twinsoft.convertigo.beans.common.FormatedContent")[0] : undefined;
  const text = fc ? (contentElements(fc.content, "→")[0]?.content ?? contentText(fc.content)) : contentText(content);
  const t = typeof text === "string" ? text : (contentText(text) ?? "");
  return unquote(t);
}

/** The code between Convertigo's `/*Begin_c8o_X*\/` ... `/*End_c8o_X*\/` markers, when any. */
function markedCode(text: string): string {
  return text
    .replace(/\/\*(?:Begin|End)_c8o_\w+\*\//g, "")
    .split("\n")
    .filter((l) => l.trim() !== "")
    .join("\n");
}

/** SCSS features a plain CSS Style cannot hold. */
const SCSS = /^\s*(?:\$[\w-]+\s*:|@import|@include)/m;

function valueContext(b: Builder): ValueContext {
  return { isLocal: (p) => b.m.projectRef(p) === "", sequenceName: (s) => b.m.sequenceName(s) };
}

/** The nearest enclosing page of the object being built (itself when it is one). */
function pageOf(b: Builder): C8oBean | undefined {
  if (isClass(b.bean, "PageComponent")) return b.bean;
  return [...b.ancestors].reverse().find((a) => isClass(a, "PageComponent"));
}

/** Converts a UI value, declaring the States it reads and reporting a script kept. */
function convert(
  b: Builder,
  raw: string,
  kind: PlainKind,
  what: string,
  values?: Record<string, string | null>,
): ConvertedValue {
  const c = convertSmart(raw, kind, valueContext(b), values);
  const st = stateOf(b.m);
  for (const s of c.states ?? []) {
    if (s.scope === "app") st.appStates.add(s.name);
    else {
      const page = pageOf(b);
      if (!page) {
        b.note(`${what}: reads the page variable "${s.name}" outside a page; declare it where it is set`, true);
        continue;
      }
      const set = st.pageStates.get(page) ?? new Set<string>();
      set.add(s.name);
      st.pageStates.set(page, set);
    }
  }
  if (c.scriptKept) {
    st.scriptsKept++;
    b.note(`${what}: ${c.scriptKept} (Convertigo's names such as this.local or navParams need a rewrite)`, true);
  }
  return c;
}

// ---------------------------------------------------------------- classes

const FAMILIES = ["mobile.components.", "ngx.components."] as const;

function isClass(bean: C8oBean, short: string): boolean {
  return FAMILIES.some((f) => bean.cls === f + short);
}

/** The same mapper for both families' class. */
function both(entries: Record<string, ClassMapper>): ClassMappers {
  const out: Record<string, ClassMapper> = {};
  for (const [short, mapper] of Object.entries(entries)) for (const f of FAMILIES) out[f + short] = mapper;
  return out;
}

const ELEMENT_CLASSES = [
  "UIDynamicElement",
  "UIDynamicMenu",
  "UIDynamicMenuItem",
  "UIDynamicMenuItems",
  "UIDynamicTab",
  "UIDynamicTag",
  "UIDynamicInfiniteScroll",
  "UIDynamicElementSet",
];
const ACTION_CLASSES = ["UIDynamicAction", "UIDynamicIf", "UIDynamicIterate", "UIDynamicInvoke", "UIDynamicEmit"];

function elementDecision(bean: C8oBean): Decision {
  recordOwned(bean);
  const data = readBeanData(bean);
  const ionBean = data?.ionBean;
  if (!ionBean) return { type: "Foreign", reason: "a UI element whose beanData names no ionBean" };
  return componentForIonBean(ionBean)
    ? { type: "Component" }
    : { type: "Foreign", reason: `the ionBean ${ionBean} has no component in Atelier's catalogue` };
}

/** A CallFullSyncAction's verb (Convertigo's default: get), undefined for other actions. */
function fullSyncVerb(data: Record<string, string>): string | undefined {
  if (data.ionBean !== "CallFullSyncAction") return undefined;
  return (data.verb ?? "plain:get").replace(/^plain:/, "") || "get";
}

/** The catalogue action of a Convertigo action object (CallFullSyncAction by its verb). */
function actionOf(bean: C8oBean): CatalogueAction | undefined {
  const data = readBeanData(bean);
  const ionBean = data?.ionBean;
  if (!ionBean) return undefined;
  return actionForIonBean(ionBean, fullSyncVerb(data));
}

function actionDecision(bean: C8oBean): Decision {
  const data = readBeanData(bean);
  const ionBean = data?.ionBean;
  if (!ionBean) return { type: "Foreign", reason: "a UI action whose beanData names no ionBean" };
  if (actionOf(bean)) return { type: "Action" };
  const verb = data.verb ? ` (verb ${data.verb.replace(/^plain:/, "")})` : "";
  return { type: "Foreign", reason: `the ionBean ${ionBean}${verb} has no action in Atelier's actions catalogue` };
}

function plainDecision(bean: C8oBean): Decision {
  recordOwned(bean);
  const tag = beanStr(bean, "tagName", "");
  return PLAIN_TAGS[tag]
    ? { type: "Component" }
    : { type: "Foreign", reason: `the plain element <${tag}> has no component in Atelier's catalogue` };
}

const folded: ClassMapper = { types: ["Folded"], decide: () => ({ type: "Folded" }), build: () => {} };

export const uiClasses: ClassMappers = {
  "core.MobileApplication": {
    types: ["Application", "State"],
    decide: () => ({ type: "Application" }),
    build: application,
  },
  "mobileplatforms.Android": folded,
  "mobileplatforms.IOs": folded,
  "mobileplatforms.WindowsUwp": folded,
  ...both({
    ApplicationComponent: { types: ["Folded"], decide: () => ({ type: "Folded", hoist: true }), build: () => {} },
    PageComponent: { types: ["Page", "State"], decide: () => ({ type: "Page" }), build: page },
    ...Object.fromEntries(
      ELEMENT_CLASSES.map((c) => [c, { types: ["Component"], decide: elementDecision, build: component }]),
    ),
    ...Object.fromEntries(ACTION_CLASSES.map((c) => [c, { types: ["Action"], decide: actionDecision, build: action }])),
    UIText: { types: ["Text"], decide: () => ({ type: "Text" }), build: text },
    UIElement: { types: ["Component"], decide: plainDecision, build: plainElement },
    UIForm: {
      types: ["Component"],
      decide: (bean) => {
        recordOwned(bean);
        return { type: "Component" };
      },
      build: form,
    },
    UIControlEvent: { types: ["Event"], decide: () => ({ type: "Event" }), build: controlEvent },
    UIPageEvent: { types: ["Event"], decide: pageEventDecision, build: pageEvent },
    UIAppEvent: { types: ["Event"], decide: appEventDecision, build: appEvent },
    UIControlVariable: folded,
    UIActionFailureEvent: { types: ["OnError"], decide: () => ({ type: "OnError" }), build: (b) => b.comment() },
    UIActionElseEvent: { types: ["ActionElse"], decide: () => ({ type: "ActionElse" }), build: (b) => b.comment() },
    UIControlDirective: { types: ["Directive", "Folded"], decide: directiveDecision, build: directive },
    UISharedRegularComponent: {
      types: ["SharedComponent"],
      decide: () => ({ type: "SharedComponent" }),
      build: sharedComponent,
    },
    UISharedComponent: {
      types: ["SharedComponent"],
      decide: () => ({ type: "SharedComponent" }),
      build: sharedComponent,
    },
    UICompVariable: { types: ["ComponentInput"], decide: () => ({ type: "ComponentInput" }), build: compVariable },
    UICompEvent: { types: ["ComponentEvent"], decide: () => ({ type: "ComponentEvent" }), build: (b) => b.comment() },
    UIUseShared: { types: ["UseShared"], decide: () => ({ type: "UseShared" }), build: useShared },
    UIUseVariable: folded,
    // Read by its element's builder (applyAttributes) when it has an equivalent there.
    UIAttribute: { types: ["Folded"], decide: attributeDecision, build: () => {} },
    UIActionStack: { types: ["SharedAction"], decide: () => ({ type: "SharedAction" }), build: sharedAction },
    UIStackVariable: { types: ["ActionInput"], decide: () => ({ type: "ActionInput" }), build: stackVariable },
    UIStyle: { types: ["Style", "Folded"], decide: styleDecision, build: style },
    UITheme: { types: ["Style"], decide: () => ({ type: "Style" }), build: style },
    UICustomAction: { types: ["Action"], decide: () => ({ type: "Action" }), build: customAction },
  }),
};

// ---------------------------------------------------------------- application and pages

/** Children built by the driver now, so that what they declare (States) can follow them. */
function buildChildrenNow(b: Builder): void {
  b.node.children = b.m.buildChildren(b.bean, b.ancestors, b.seq, b.notes);
  b.childrenDone = true;
}

function stateNode(owner: string, name: string): ObjNode {
  return { id: `${owner}-state-${name}`, type: "State", name, props: {}, children: [] };
}

function application(b: Builder): void {
  b.comment();
  const appComp = b.bean.children.find((c) => isClass(c, "ApplicationComponent"));
  // The application is one file, ui/App.yaml.
  if (b.node.name !== "App") b.note(`named App (its Convertigo name is "${b.node.name}")`);
  b.node.name = "App";
  for (const p of b.bean.props) {
    if (p.name === "comment") continue;
    b.bag.skip(p.name);
    b.note(`${p.name} (the mobile application's, no Atelier equivalent): ${contentText(p.value) ?? ""}`);
  }
  for (const c of b.bean.children) {
    if (!c.cls.startsWith("mobileplatforms.")) continue;
    const comment = beanStr(c, "comment", "");
    const other = c.props.filter((p) => p.name !== "comment").map((p) => `${p.name}: ${contentText(p.value) ?? "…"}`);
    b.note(
      `build platform ${c.name} (${c.cls}): see the Capacitor notes of docs/apps.md${comment ? `; ${comment}` : ""}${other.length ? `; ${other.join(", ")}` : ""}`,
    );
  }
  const pages: C8oBean[] = [];
  if (appComp) {
    const bag = new PropBag(appComp, b.m);
    bag.skip("comment", "tplProjectName", "isPWA", "componentScriptContent", "splitPaneLayout");
    const tpl = beanStr(appComp, "tplProjectName", "");
    if (tpl) b.note(`built with Convertigo's template project ${tpl}`);
    const appComment = beanStr(appComp, "comment", "");
    if (appComment) b.note(appComment);
    const code = markedCode(formatted(appComp.props.find((p) => p.name === "componentScriptContent")?.value));
    if (code !== "") {
      b.note(
        `the application's TypeScript (between Convertigo's markers) is not run; move it to app/src/custom/:\n${indent(code)}`,
        true,
      );
    }
    if (beanStr(appComp, "splitPaneLayout", "") !== "")
      b.note(`splitPaneLayout: ${beanStr(appComp, "splitPaneLayout", "")}`);
    for (const l of bag.leftovers()) b.note(`${l.name} (no Atelier equivalent): ${contentText(l.value) ?? "…"}`);
    pages.push(...appComp.children.filter((c) => isClass(c, "PageComponent")));
  }
  if (pages.length) {
    const root = pages.find((p) => p.attrs.some(([k, v]) => k === "isRoot" && v === "true")) ?? pages[0]!;
    b.set("startPage", root.name);
    b.set(
      "pageOrder",
      pages.map((p) => p.name),
    );
  } else {
    b.note("the application has no page: set its start page once one is made", true);
  }
  buildChildrenNow(b);
  addComponentStyles(b);
  themeFromScss(b);
  const st = stateOf(b.m);
  const have = new Set(b.node.children.filter((c) => c.type === "State").map((c) => c.name));
  const added = [...st.appStates].sort().filter((name) => !have.has(name));
  for (const name of added) b.node.children.push(stateNode(b.node.id, name));
  if (added.length) {
    b.note(
      `States declared for Convertigo's shared object (router.sharedObject, this.global): ${added.join(", ")}; declare their schemas`,
    );
  }
}

function page(b: Builder): void {
  b.comment();
  // isRoot makes it the application's startPage (read there).
  b.skipAttr("isRoot");
  const title = b.bag.str("title", "");
  if (title) b.set("title", title);
  const segment = b.bag.str("segment", "");
  if (segment !== "") {
    const route = segment.replace(/^\/+/, "").toLowerCase();
    if (/^[a-z0-9-/:]*$/.test(route)) b.set("route", route);
    else b.note(`segment ${segment} is no Atelier route ([a-z0-9-/:]): the route is the page's name`, true);
  }
  b.set("inMenu", b.bag.bool("inAutoMenu", true) ? undefined : false);
  const icon = b.bag.str("icon", "");
  if (icon) b.set("icon", icon);
  const code = markedCode(formatted(b.bag.raw("scriptContent")));
  if (code !== "") {
    b.note(
      `the page's TypeScript (between Convertigo's markers) is not run; move it to app/src/custom/pages/${b.node.name}.ts:\n${indent(code)}`,
      true,
    );
  }
  buildChildrenNow(b);
  addComponentStyles(b);
  const names = stateOf(b.m).pageStates.get(b.bean);
  const have = new Set(b.node.children.filter((c) => c.type === "State").map((c) => c.name));
  const added = [...(names ?? [])].sort().filter((name) => !have.has(name));
  for (const name of added) b.node.children.push(stateNode(b.node.id, name));
  if (added.length) {
    b.note(`States declared for the page's local variables (this.local): ${added.join(", ")}; declare their schemas`);
  }
}

// ---------------------------------------------------------------- components

/** Plain elements of `UIElement` with a catalogue component. */
const PLAIN_TAGS: Record<string, string> = {
  div: "Stack",
  span: "Stack",
  section: "Stack",
  p: "Paragraph",
  hr: "Divider",
};

/** The catalogue prop (name, definition) holding a beanData key. */
function propFor(entry: CatalogueComponent, key: string) {
  for (const [name, p] of Object.entries(entry.props)) {
    const names = p.convertigo === undefined ? [] : Array.isArray(p.convertigo) ? p.convertigo : [p.convertigo];
    if (names.includes(key)) return { name, prop: p };
  }
  return undefined;
}

/**
 * Values of the older family (Ionic 3) spelled otherwise by the catalogue, which lists the ngx
 * family's (ion_objects.json): by beanData key.
 */
const LEGACY_VALUES: Record<string, Record<string, string>> = {
  SetPosition: { left: "start", right: "end" },
};

/** Whether a Convertigo beanData value says "not set" (`values: [false, ...]`, empty). */
function unset(raw: string, kind: string): boolean {
  const t = raw.replace(/^plain:/, "");
  if (raw.startsWith("plain:") || !/^(script|source):/.test(raw)) {
    return t === "" || (t === "false" && kind !== "boolean");
  }
  return false;
}

function component(b: Builder): void {
  b.comment();
  b.bag.skip("beanData", "tagName", "selfClose", "identifier");
  const data = readBeanData(b.bean) ?? {};
  const entry = componentForIonBean(data.ionBean ?? "")!;
  b.set("component", entry.name);
  const inputs: Record<string, Binding> = {};
  const tabItem = data.ionBean === "Tab";
  const textFormat = data.ionBean === "TextFormat" ? textFormatCss(b, data) : undefined;
  if (tabItem) tabItemPage(b, inputs);
  for (const [key, raw] of Object.entries(data)) {
    if (key === "ionBean" || (tabItem && TAB_ITEM_KEYS.has(key)) || (textFormat && TEXT_FORMAT[key])) continue;
    const found = propFor(entry, key);
    if (!found) {
      if (!unset(raw, "string")) b.note(`${key} (no property of ${entry.name}): ${raw}`);
      continue;
    }
    const { name, prop } = found;
    if (Object.hasOwn(inputs, name) || unset(raw, prop.kind)) continue;
    const value = inputValue(b, entry, name, prop, raw, key, LEGACY_VALUES[key]);
    if (value !== undefined) inputs[name] = value;
  }
  applyAttributes(b, entry, inputs);
  if (Object.keys(inputs).length) b.set("inputs", inputs);
  buildChildrenNow(b);
  foldText(b, entry);
  componentStyles(b, textFormat);
  if (tabItem) tabItemParts(b, data);
  if (data.ionBean === "Tabs") {
    b.note(
      "Convertigo's tabs container (Ionic 3's ion-tabs) showed each tab's page inside this page, under the bar; Atelier's tab bar opens the page itself, so the bar shows on this page only: add it to the tab pages (or to the Application) to keep it in view",
      true,
    );
  }
}

/**
 * Convertigo's TextFormat (older family): a div setting Ionic 3's text utility classes on its
 * texts. Ionic 7's utilities are not in the app's CSS, so their declarations go to the div's CSS.
 */
const TEXT_FORMAT: Record<string, string> = {
  TextLeft: "text-align: left;",
  TextRight: "text-align: right;",
  TextCenter: "text-align: center;",
  TextJustify: "text-align: justify;",
  TextWrap: "white-space: normal;",
  TextNoWrap: "white-space: nowrap;",
  TextUpperCase: "text-transform: uppercase;",
  TextLowerCase: "text-transform: lowercase;",
  TextCapitalize: "text-transform: capitalize;",
};

function textFormatCss(b: Builder, data: Record<string, string>): { what: string; css: string[] } {
  const keys: string[] = [];
  const css: string[] = [];
  for (const [key, raw] of Object.entries(data)) {
    if (!TEXT_FORMAT[key] || unset(raw, "string")) continue;
    if (/^(script|source):/.test(raw)) {
      b.note(`${key}: ${raw} is computed in Convertigo: set the text's CSS again`, true);
      continue;
    }
    keys.push(key);
    css.push(TEXT_FORMAT[key]);
  }
  return { what: keys.length ? `its text format (${keys.join(", ")})` : "", css };
}

// ---------------------------------------------------------------- the older family's tabs

/** beanData keys of Convertigo's tab item (ionBean Tab) that become the TabButton's text and children. */
const TAB_ITEM_KEYS = new Set(["TabTitle", "TabIcon", "TabBadge", "TabBadgeStyle"]);

/** A tab item's page (its `tabpage`, `P.MobileApplication.Application.Page`) as the TabButton's tab. */
function tabItemPage(b: Builder, inputs: Record<string, Binding>): void {
  const page = b.bag.str("tabpage", "");
  if (page !== "") inputs.tab = lastName(page).name;
  else b.note("a tab item without a page in Convertigo: set the page it opens (tab)", true);
  if (!b.bag.bool("isEnabled", true)) {
    inputs.disabled = true;
    b.note("disabled in Convertigo (isEnabled: false, left out of its app): shown disabled here", true);
  }
}

/** A tab item's title as the TabButton's text, its icon and badge as Icon and Badge children. */
function tabItemParts(b: Builder, data: Record<string, string>): void {
  const title = data.TabTitle ?? "";
  if (!unset(title, "string")) b.set("text", convert(b, title, "string", "TabTitle").value);
  const part = (name: string, component: string, props: Record<string, unknown>): ObjNode => ({
    id: `${b.node.id}-${name.toLowerCase()}`,
    type: "Component",
    name,
    props: { component, ...props },
    children: [],
  });
  const icon = data.TabIcon ?? "";
  if (!unset(icon, "icon")) {
    b.node.children.unshift(part("Icon", "Icon", { inputs: { icon: convert(b, icon, "icon", "TabIcon").value } }));
  }
  const badge = data.TabBadge ?? "";
  if (!unset(badge, "string")) {
    const color = data.TabBadgeStyle ?? "";
    b.node.children.push(
      part("Badge", "Badge", {
        text: convert(b, badge, "string", "TabBadge").value,
        ...(unset(color, "color") ? {} : { inputs: { color: convert(b, color, "color", "TabBadgeStyle").value } }),
      }),
    );
  }
}

function inputValue(
  b: Builder,
  entry: CatalogueComponent,
  name: string,
  prop: CatalogueProp,
  raw: string,
  what: string,
  legacy?: Record<string, string>,
): Binding | undefined {
  const c = convert(b, raw, prop.kind, what, { ...legacy, ...prop.convertigoValues });
  if (c.value === null) {
    b.note(`${what}: ${raw} has no ${entry.name} equivalent (left unset)`);
    return undefined;
  }
  if (typeof c.value === "object" && prop.bindable === false) {
    b.note(`${what}: ${raw} is a binding, but ${entry.name}'s ${name} takes a plain value: set it again`, true);
    return undefined;
  }
  if (prop.kind === "enum" && typeof c.value === "string" && prop.values && !prop.values.includes(c.value)) {
    b.note(
      `${what}: "${c.value}" is not one of ${entry.name}'s ${name} values (${prop.values.join(", ")}): left unset`,
    );
    return undefined;
  }
  return c.value;
}

// ---------------------------------------------------------------- attributes and styles of a component

/**
 * The element each UIAttribute and UIStyle belongs to. What an attribute or a style can become
 * depends on its element's catalogue entry, and a C8oBean knows no parent: the element's decision
 * (the mapper decides a parent before its children) records it here for theirs.
 */
const OWNER = new WeakMap<C8oBean, C8oBean>();

function recordOwned(element: C8oBean): void {
  for (const c of element.children) if (isClass(c, "UIAttribute") || isClass(c, "UIStyle")) OWNER.set(c, element);
}

/** What one of Convertigo's UIAttribute becomes on its element. */
type AttributeUse =
  | { kind: "drop"; why: string }
  | { kind: "styleClass"; value: string }
  | { kind: "slot"; value: string }
  | { kind: "input"; name: string; prop: CatalogueProp; raw: string }
  | { kind: "foreign"; reason: string };

/** Ionic 3's slot attributes (`<ion-icon item-end>`), the slot they stand for in Ionic 7. */
const IONIC3_SLOTS: Record<string, string> = {
  "item-start": "start",
  "item-left": "start",
  "item-end": "end",
  "item-right": "end",
  "icon-start": "start",
  "icon-left": "start",
  "icon-end": "end",
  "icon-right": "end",
  "icon-only": "icon-only",
};

/** The attribute's name without Angular's binding brackets: `[attr.tappable]`, `[color]` → tappable, color. */
function attributeName(attr: C8oBean): string {
  const n = beanStr(attr, "attrName", "").trim();
  return /^\[(?:attr\.)?([^\]]+)\]$/.exec(n)?.[1] ?? n;
}

function attributeUse(attr: C8oBean): AttributeUse {
  const name = attributeName(attr);
  const raw = smartText(attr.props.find((p) => p.name === "attrValue")?.value) ?? "";
  const plain = /^(script|source):/.test(raw) ? undefined : raw.replace(/^plain:/, "").trim();
  const what = `the attribute ${name === "" ? `"${plain ?? raw}"` : name} (UIAttribute ${attr.name})`;
  // Ionic 3 marked elements for its fast tap handling; Ionic 7 handles taps on any element.
  if (name === "tappable") return { kind: "drop", why: "Ionic 3's tappable marker, which Ionic 7 does without" };
  if (name === "class") {
    return plain === undefined
      ? { kind: "foreign", reason: `${what} is computed (${raw}): a Component's styleClass is plain text` }
      : { kind: "styleClass", value: plain };
  }
  if (name === "slot" && plain) return { kind: "slot", value: plain };
  if (name === "") {
    if (plain !== undefined && IONIC3_SLOTS[plain]) return { kind: "slot", value: IONIC3_SLOTS[plain] };
    const hint =
      plain === "ion-text" ? " (Ionic 3's text colouring: put the text in a Text component with a color)" : "";
    return { kind: "foreign", reason: `${what} has no Atelier equivalent${hint}` };
  }
  const owner = OWNER.get(attr);
  const entry = entryOf(owner);
  if (!entry) return { kind: "foreign", reason: `${what}: its element is no catalogue component` };
  // HTML attributes are kebab-case, the catalogue's props Ionic React's camelCase ones.
  const propName = name.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
  const prop = entry.props[propName];
  if (!prop) {
    const known = Object.keys(entry.props);
    return {
      kind: "foreign",
      reason: `${what}: ${entry.name} has no such property (${known.length ? known.join(", ") : "it has none"}); Atelier's components take their catalogue's properties only`,
    };
  }
  return { kind: "input", name: propName, prop, raw };
}

function attributeDecision(bean: C8oBean): Decision {
  const use = attributeUse(bean);
  return use.kind === "foreign" ? { type: "Foreign", reason: use.reason } : { type: "Folded" };
}

/** The element's UIAttributes, folded into its inputs, styleClass or slot (beanData's values win). */
function applyAttributes(b: Builder, entry: CatalogueComponent, inputs: Record<string, Binding>): void {
  for (const attr of b.bean.children) {
    if (!isClass(attr, "UIAttribute") || b.m.decisionOf(attr).type !== "Folded") continue;
    const use = attributeUse(attr);
    const label = `attribute ${beanStr(attr, "attrName", "") || "(bare)"} (${attr.name})`;
    switch (use.kind) {
      case "drop":
        b.note(`${label}: dropped, ${use.why}`);
        break;
      case "styleClass":
        addStyleClass(b, use.value);
        break;
      case "slot":
        if (entry.props.slot?.values?.includes(use.value) || (entry.props.slot && !entry.props.slot.values)) {
          if (Object.hasOwn(inputs, "slot")) b.note(`${label}: slot ${use.value} ignored, the component sets one`);
          else inputs.slot = use.value;
        } else b.set("slot", use.value);
        break;
      case "input": {
        if (Object.hasOwn(inputs, use.name)) {
          b.note(`${label}: ignored, the component's own ${use.name} is set`);
          break;
        }
        if (unset(use.raw, use.prop.kind)) break;
        const value = inputValue(b, entry, use.name, use.prop, use.raw, label);
        if (value !== undefined) inputs[use.name] = value;
        break;
      }
      case "foreign":
        break;
    }
  }
}

function addStyleClass(b: Builder, cls: string): void {
  const have = typeof b.node.props.styleClass === "string" ? b.node.props.styleClass : "";
  b.set("styleClass", have ? `${have} ${cls}` : cls);
}

/**
 * Convertigo's UIStyle under a component styles that component: its CSS goes to a Style of the
 * enclosing page (or shared component, or application), under a class the component gets.
 */
function styleDecision(bean: C8oBean): Decision {
  return OWNER.has(bean) ? { type: "Folded" } : { type: "Style" };
}

function componentStyles(b: Builder, own: { what: string; css: string[] } = { what: "", css: [] }): void {
  const styles = b.bean.children.filter((c) => isClass(c, "UIStyle") && b.m.decisionOf(c).type === "Folded");
  const css = [
    ...own.css,
    ...styles.map((st) => formatted(st.props.find((p) => p.name === "styleContent")?.value).trim()),
  ].filter((t) => t !== "");
  if (css.length === 0) return;
  const what = [own.what, styles.length ? `its Style (${styles.map((st) => st.name).join(", ")})` : ""]
    .filter((w) => w !== "")
    .join(" and ");
  const cls = `c8o-${b.node.id}`;
  addStyleClass(b, cls);
  const root = [b.bean, ...b.ancestors].reverse().find(isStyleRoot);
  if (!root) {
    b.note(`${what} has no page to go to: kept here as a note:\n${indent(css.join("\n"))}`, true);
    return;
  }
  const st = stateOf(b.m);
  const list = st.componentCss.get(root) ?? [];
  list.push(`.${cls} {\n${indent(css.join("\n"))}\n}`);
  st.componentCss.set(root, list);
  b.note(`${what} moved to the enclosing ComponentStyles, under the class ${cls}`);
  if (css.some((t) => SCSS.test(t)))
    b.note("SCSS in its Convertigo Style (variables, imports): Atelier's Style is plain CSS, rewrite it", true);
}

/** The objects whose Style a component's CSS goes to. */
function isStyleRoot(bean: C8oBean): boolean {
  return (
    bean.cls === "core.MobileApplication" ||
    ["PageComponent", "UISharedRegularComponent", "UISharedComponent"].some((c) => isClass(bean, c))
  );
}

/**
 * Convertigo's theme is SCSS whose `$colors: (primary: #387ef5, ...)` map names Ionic's colors:
 * they become the Application's theme (the Style keeps the rest, reported as not CSS).
 */
function themeFromScss(b: Builder): void {
  const theme: Record<string, string> = {};
  const from: string[] = [];
  for (const c of b.node.children) {
    if (c.type !== "Style" || typeof c.props.css !== "string") continue;
    const colors = scssColors(c.props.css);
    if (Object.keys(colors).length) from.push(c.name);
    Object.assign(theme, colors);
  }
  if (!Object.keys(theme).length || b.node.props.theme !== undefined) return;
  b.set("theme", theme);
  b.note(`theme colors taken from Convertigo's $colors (Style ${from.join(", ")})`);
}

/** The Ionic colors of a SCSS `$colors: ( name: #hex, ... )` map (other names and values left out). */
export function scssColors(scss: string): Record<string, string> {
  const out: Record<string, string> = {};
  const m = /\$colors\s*:\s*\(/.exec(scss);
  if (!m) return out;
  // The map's entries: split at the commas outside nested parentheses (`darken(#222, 5%)`).
  const entries: string[] = [];
  let depth = 0;
  let current = "";
  let closed = false;
  const text = scss.slice(m.index + m[0].length).replace(/\/\/[^\n]*/g, "");
  for (const ch of text) {
    if (ch === "(") depth++;
    if (ch === ")" && depth-- === 0) {
      closed = true;
      break;
    }
    if (ch === "," && depth === 0) {
      entries.push(current);
      current = "";
    } else current += ch;
  }
  if (!closed) return out;
  entries.push(current);
  for (const entry of entries) {
    const kv = /^\s*([a-z]+)\s*:\s*(#[0-9a-fA-F]{3}(?:[0-9a-fA-F]{3})?)\s*$/.exec(entry);
    if (kv && (THEME_COLOR_NAMES as readonly string[]).includes(kv[1]!)) out[kv[1]!] = kv[2]!.toLowerCase();
  }
  return out;
}

/** Adds the CSS of the components under a page/shared component/application as one Style. */
function addComponentStyles(b: Builder): void {
  const css = stateOf(b.m).componentCss.get(b.bean);
  if (!css?.length) return;
  const names = new Set(b.node.children.map((c) => c.name));
  let name = "ComponentStyles";
  for (let i = 2; names.has(name); i++) name = `ComponentStyles${i}`;
  b.node.children.push({
    id: `${b.node.id}-component-styles`,
    type: "Style",
    name,
    props: { css: css.join("\n\n") },
    children: [],
  });
}

/** A component showing a text takes its sole Text child as its `text` (Convertigo's UIText). */
function foldText(b: Builder, entry: CatalogueComponent): void {
  if (!entry.text || b.node.props.text !== undefined) return;
  const texts = b.node.children.filter((c) => c.type === "Text");
  if (texts.length === 0 || texts.some((t) => t.props.format !== undefined || t.props.comment !== undefined)) return;
  const values = texts.map((t) => t.props.value);
  let text: unknown;
  if (values.length === 1) text = values[0];
  else if (values.every((v) => typeof v === "string" || typeof v === "number")) text = values.join("");
  else if (values.every((v) => v === null || typeof v !== "object" || "script" in (v as object))) {
    // Several parts, some computed: one script joining them.
    text = {
      script: values
        .map((v) => (v !== null && typeof v === "object" ? `(${(v as { script: string }).script})` : JSON.stringify(v)))
        .join(" + "),
    };
  } else return;
  b.set("text", text);
  b.node.children = b.node.children.filter((c) => !texts.includes(c));
}

function text(b: Builder): void {
  const raw = smartText(b.bag.raw("textValue")) ?? "";
  b.bag.skip("i18n", "comment");
  const c = convert(b, raw, "string", "text");
  b.set("value", c.value ?? "");
  if (b.bag.bool("i18n", false)) b.note("translated with i18n in Convertigo: Atelier shows the text as it is", true);
}

function plainElement(b: Builder): void {
  b.comment();
  const tag = b.bag.str("tagName", "");
  b.bag.skip("selfClose");
  b.set("component", PLAIN_TAGS[tag]);
  if (tag !== "div") b.note(`a plain <${tag}> in Convertigo`);
  const entry = componentByName(PLAIN_TAGS[tag] ?? "")!;
  const inputs: Record<string, Binding> = {};
  applyAttributes(b, entry, inputs);
  if (Object.keys(inputs).length) b.set("inputs", inputs);
  buildChildrenNow(b);
  foldText(b, entry);
  componentStyles(b);
}

function form(b: Builder): void {
  b.comment();
  b.bag.skip("beanData", "tagName", "selfClose");
  b.set("component", "Stack");
  b.note("a form in Convertigo: its fields are read by form sources naming this component's id");
  const inputs: Record<string, Binding> = {};
  applyAttributes(b, componentByName("Stack")!, inputs);
  if (Object.keys(inputs).length) b.set("inputs", inputs);
  buildChildrenNow(b);
  componentStyles(b);
}

// ---------------------------------------------------------------- events

/** The catalogue component of a Convertigo element, or undefined. */
function entryOf(bean: C8oBean | undefined): CatalogueComponent | undefined {
  if (!bean) return undefined;
  const data = readBeanData(bean);
  if (data?.ionBean) return componentForIonBean(data.ionBean);
  if (isClass(bean, "UIElement")) return componentByName(PLAIN_TAGS[beanStr(bean, "tagName", "")] ?? "");
  if (isClass(bean, "UIForm")) return componentByName("Stack");
  return undefined;
}

/** More than one child action: Convertigo ran them together (Promise.all). */
function parallelChildren(b: Builder): void {
  const actions = b.bean.children.filter(
    (c) => ACTION_CLASSES.some((a) => isClass(c, a)) || isClass(c, "UICustomAction"),
  );
  if (actions.length > 1) b.set("parallel", true);
}

function controlEvent(b: Builder): void {
  b.comment();
  b.bag.skip("attrName");
  const name = b.bag.str("eventName", "onClick");
  const entry = entryOf(b.parent);
  let on: string | undefined;
  if (entry) {
    on = Object.entries(entry.events).find(([, e]) => e.convertigo?.includes(name))?.[0];
    if (!on && (name === "onClick" || name === "onTap") && entry.events.click) on = "click";
  }
  if (!on) {
    on = name.replace(/^(?:on|ion)/, "").replace(/^./, (c) => c.toLowerCase()) || "click";
    b.note(
      `event ${name}: ${entry ? `${entry.name} offers no such event` : "its parent is no catalogue component"}; named "${on}"`,
      true,
    );
  }
  b.set("on", on);
  parallelChildren(b);
}

const VIEW_EVENTS: Record<string, string> = {
  onWillLoad: "load",
  onDidLoad: "load",
  onCanEnter: "enter",
  onWillEnter: "enter",
  onDidEnter: "enter",
  onCanLeave: "leave",
  onWillLeave: "leave",
  onDidLeave: "leave",
  onWillUnload: "leave",
};

// Convertigo's UIPageEvent defaults to onDidLoad (the page's first display).
function pageEventDecision(bean: C8oBean): Decision {
  const v = beanStr(bean, "viewEvent", "onDidLoad");
  return VIEW_EVENTS[v] ? { type: "Event" } : { type: "Foreign", reason: `the page event ${v} has no Atelier event` };
}

function pageEvent(b: Builder): void {
  b.comment();
  const v = b.bag.str("viewEvent", "onDidLoad");
  b.set("on", VIEW_EVENTS[v]);
  if (v !== "onDidLoad" && v !== "onDidEnter" && v !== "onDidLeave")
    b.note(`Convertigo's ${v}: runs on ${VIEW_EVENTS[v]}`);
  parallelChildren(b);
}

const APP_EVENTS: Record<string, string> = { onAppInit: "start" };

function appEventDecision(bean: C8oBean): Decision {
  const v = beanStr(bean, "appEvent", "onAppInit");
  return APP_EVENTS[v]
    ? { type: "Event" }
    : { type: "Foreign", reason: `the application event ${v} has no Atelier event` };
}

function appEvent(b: Builder): void {
  b.comment();
  b.set("on", APP_EVENTS[b.bag.str("appEvent", "onAppInit")]);
  parallelChildren(b);
}

// ---------------------------------------------------------------- actions

/** The input (name, definition) of an action holding a beanData key. */
function inputFor(entry: CatalogueAction, key: string) {
  for (const [name, p] of Object.entries(entry.inputs)) {
    const names = p.convertigo === undefined ? [] : Array.isArray(p.convertigo) ? p.convertigo : [p.convertigo];
    if (names.includes(key)) return { name, input: p };
  }
  return undefined;
}

/** `P.MobileApplication.Application.X` (or `P.X`) → its last name and project. */
function lastName(ref: string): { project: string; name: string } {
  const parts = ref.split(".");
  return { project: parts[0] ?? "", name: parts.at(-1) ?? "" };
}

/** The values of the UIControlVariable children, by name (an action's variables, a use's inputs). */
function controlVariables(b: Builder): Record<string, Binding> {
  const out: Record<string, Binding> = {};
  for (const c of b.bean.children) {
    if (!isClass(c, "UIControlVariable") && !isClass(c, "UIUseVariable")) continue;
    const raw = smartText(c.props.find((p) => p.name === "varValue")?.value) ?? "";
    const v = convert(b, raw, undefined, `variable ${c.name}`);
    out[c.name] = v.value;
    const comment = beanStr(c, "comment", "");
    if (comment && comment !== "new variable") b.note(`variable ${c.name}: ${comment}`);
  }
  return out;
}

function action(b: Builder): void {
  b.comment();
  b.bag.skip("beanData");
  const data = readBeanData(b.bean) ?? {};
  const entry = actionOf(b.bean)!;
  b.set("action", entry.name);
  // Bindings, and for `bindings` inputs maps of them, for `stringList` ones lists.
  const inputs: Record<string, unknown> = {};
  const ionBean = data.ionBean ?? "";
  const implied =
    entry.convertigoImplies?.[ionBean] ?? entry.convertigoImplies?.[`${ionBean}:${fullSyncVerb(data) ?? ""}`];
  Object.assign(inputs, implied ?? {});
  for (const [key, raw] of Object.entries(data)) {
    if (key === "ionBean" || (key === "verb" && ionBean === "CallFullSyncAction")) continue;
    const found = inputFor(entry, key);
    if (!found) {
      if (!unset(raw, "string")) b.note(`${key} (no input of ${entry.name}): ${raw}`);
      continue;
    }
    const { name, input } = found;
    if (Object.hasOwn(inputs, name) && !implied?.[name]) continue;
    if (unset(raw, input.kind)) continue;
    if (input.kind === "reference") {
      const plain = raw.replace(/^plain:/, "");
      if (/^(script|source):/.test(raw)) {
        b.note(`${key}: ${raw} is computed in Convertigo; Atelier's ${name} names its target: set it again`, true);
        continue;
      }
      const ref = referenceInput(b, input.refersTo, plain);
      Object.assign(inputs, ref.inputs);
      continue;
    }
    const kind = input.kind === "bindings" || input.kind === "stringList" ? "string" : input.kind;
    const c = convert(b, raw, kind, key, input.convertigoValues);
    if (c.value === null) {
      b.note(`${key}: ${raw} has no ${entry.name} equivalent (left unset)`);
      continue;
    }
    let value = c.value;
    if (input.convertigoNegated && typeof value === "boolean") value = !value;
    if (input.kind === "bindings") {
      b.note(`${key}: ${raw} (Atelier's ${name} are named values: set them again)`, true);
      continue;
    }
    if (input.kind === "stringList") {
      const list = Array.isArray(inputs[name]) ? (inputs[name] as string[]) : [];
      if (typeof value === "string") inputs[name] = [...list, value];
      continue;
    }
    if (input.kind === "enum" && typeof value === "string" && input.values && !input.values.includes(value)) {
      b.note(
        `${key}: "${value}" is not one of ${entry.name}'s ${name} values (${input.values.join(", ")}): left unset`,
      );
      continue;
    }
    inputs[name] = value;
  }
  if (entry.name === "Invoke") {
    const stack = b.bag.str("stack", "");
    if (stack) inputs.action = lastName(stack).name;
  }
  const vars = controlVariables(b);
  if (ionBean === "CallFullSyncAction") fullSyncVariables(b, entry, vars, inputs);
  else if (Object.keys(vars).length) {
    const holder = entry.inputs.variables
      ? "variables"
      : entry.inputs.inputs
        ? "inputs"
        : entry.inputs.params
          ? "params"
          : undefined;
    if (holder) inputs[holder] = vars;
    else b.note(`variables ${Object.keys(vars).join(", ")}: ${entry.name} takes none`, true);
  }
  b.set("inputs", inputs);
  parallelChildren(b);
}

/** Convertigo's FullSync variables mapped by name: docid / _id the id, _use_policy the policy, a post's others its document. */
const FULLSYNC_VARS: Record<string, string> = { docid: "id", _id: "id", _use_policy: "policy", c8oGrp: "groups" };

function fullSyncVariables(
  b: Builder,
  entry: CatalogueAction,
  vars: Record<string, Binding>,
  inputs: Record<string, unknown>,
): void {
  const doc: Record<string, Binding> = {};
  for (const [name, value] of Object.entries(vars)) {
    const input = FULLSYNC_VARS[name] ?? (Object.hasOwn(entry.inputs, name) ? name : undefined);
    const def = input === undefined ? undefined : entry.inputs[input];
    if (def?.kind === "stringList") {
      if (typeof value === "string")
        inputs[input!] = value
          .split(",")
          .map((x) => x.trim())
          .filter((x) => x !== "");
      else b.note(`variable ${name} of the FullSync call is computed: set ${entry.name}'s ${input} again`, true);
    } else if (def) inputs[input!] = value;
    else if (entry.name === "FullSyncPost") doc[name] = value;
    else b.note(`variable ${name} of the FullSync call: ${entry.name} takes no such input`, true);
  }
  if (entry.name !== "FullSyncPost" || Object.keys(doc).length === 0) return;
  const entries = Object.entries(doc);
  if (entries.every(([, v]) => v === null || typeof v !== "object")) {
    inputs.doc = { script: `(${JSON.stringify(doc)})` };
    return;
  }
  const scripts = entries.map(([k, v]) => {
    if (v !== null && typeof v === "object" && "script" in v) return `${JSON.stringify(k)}: (${v.script})`;
    if (v !== null && typeof v === "object") return undefined;
    return `${JSON.stringify(k)}: ${JSON.stringify(v)}`;
  });
  if (scripts.every((x) => x !== undefined)) inputs.doc = { script: `({${scripts.join(", ")}})` };
  else
    b.note(
      `the document's fields ${entries.map(([k]) => k).join(", ")} read sources: write the doc input as a script`,
      true,
    );
}

/** A reference input from Convertigo's dotted name (`P.Seq`, `P.connector`, `P.MobileApplication.Application.Page`). */
function referenceInput(b: Builder, refersTo: string | undefined, ref: string): { inputs: Record<string, Binding> } {
  const parts = ref.split(".");
  const project = parts[0] ?? "";
  const local = b.m.projectRef(project) === "";
  const tail = parts.at(-1) ?? "";
  switch (refersTo) {
    case "sequence":
      return { inputs: { sequence: local ? b.m.sequenceName(tail) : tail, ...(local ? {} : { project }) } };
    case "connector":
      if (!local)
        b.note(`connector ${ref} of project ${project}: Atelier's FullSync actions read this project's`, true);
      return { inputs: { connector: b.m.connectorName(tail) } };
    case "page":
      return { inputs: { page: tail } };
    case "state":
      stateOf(b.m).appStates.add(tail);
      return { inputs: { name: tail } };
    default:
      return { inputs: { [refersTo ?? "target"]: tail } };
  }
}

/** A TypeScript identifier from Convertigo's names. */
function identifier(name: string): string {
  return name.replace(/[^A-Za-z0-9_$]/g, "_").replace(/^(\d)/, "_$1") || "_";
}

/** The page, shared action or shared component holding the object, for custom code's file names. */
function ownerName(b: Builder): string {
  const owner = [...b.ancestors]
    .reverse()
    .find((a) =>
      ["PageComponent", "UIActionStack", "UISharedRegularComponent", "UISharedComponent"].some((c) => isClass(a, c)),
    );
  return owner?.name ?? "App";
}

/**
 * Convertigo's UICustomAction: its TypeScript ran inside Convertigo's generated Angular page
 * (page, props, vars, resolve), which Atelier's app does not have. It becomes a Custom action
 * calling a stub of the app's custom folder that keeps the code in a comment and throws until
 * it is rewritten: a visible failure where the action runs, not a silent one.
 */
function customAction(b: Builder): void {
  b.comment();
  b.set("action", "Custom");
  const owner = ownerName(b);
  const st = stateOf(b.m);
  let fn = identifier(b.node.name);
  if (st.customActions.has(fn)) fn = identifier(`${owner}_${b.node.name}`);
  for (let i = 2; st.customActions.has(fn); i++) fn = identifier(`${owner}_${b.node.name}${i}`);
  const body = formatted(b.bag.raw("actionValue"));
  b.bag.skip("package_dependencies", "cordova_plugins", "page_ts_imports", "module_ts_imports", "actionValue");
  const vars = controlVariables(b);
  b.set("inputs", { function: fn, ...(Object.keys(vars).length ? { inputs: vars } : {}) });
  const file = `app/src/custom/imported/${identifier(owner)}-${identifier(b.node.name)}.ts`;
  const what = `Convertigo's custom action ${b.node.name} of ${owner}`;
  st.customActions.set(fn, {
    file,
    text: [
      `// Imported from Convertigo: the custom action ${b.node.name} of ${owner} (UICustomAction ${b.bean.priority ?? ""}).`,
      "// Not ported yet: its TypeScript below ran in Convertigo's generated page (page, props, vars,",
      "// resolve/reject). Rewrite it here: its inputs come as `inputs`, what it resolved is returned.",
      'import type { CustomAction } from "@atelier/runtime/chain.ts";',
      "",
      "/*",
      // A `*/` of the code would end the comment early.
      body.replace(/\*\//g, "*\\/"),
      "*/",
      "",
      `export const ${fn}: CustomAction = () => {`,
      `  throw new Error(${JSON.stringify(`not ported yet: ${what} (${file})`)});`,
      "};",
      "",
    ].join("\n"),
  });
  b.note(
    `${what}: its TypeScript is kept in ${file}, whose function ${fn} throws "not ported yet" until it is rewritten (vars → inputs, resolve(x) → return x)`,
    true,
  );
  parallelChildren(b);
}

// ---------------------------------------------------------------- directives, shared things, styles

const DIRECTIVES: Record<string, "ForEach" | "If"> = { ForEach: "ForEach", If: "If", For: "ForEach" };

/**
 * Angular's ngSwitch, as Convertigo's Switch / SwitchCase / SwitchDefault directives: the Switch
 * renders nothing of its own, each case shows its content when the Switch's value equals its own,
 * the default when no case does. Atelier has no switch: the Switch is folded (its children take its
 * place) and each case becomes an If comparing the two values, the default an If that none does.
 * A case knows its Switch through this map, filled when the Switch is decided (before its children).
 */
const SWITCH_OF = new WeakMap<C8oBean, C8oBean>();

function directiveDecision(bean: C8oBean): Decision {
  const d = beanStr(bean, "directiveName", "ForEach");
  if (d === "Switch") {
    for (const c of bean.children) if (isClass(c, "UIControlDirective")) SWITCH_OF.set(c, bean);
    return { type: "Folded", hoist: true };
  }
  if (d === "SwitchCase" || d === "SwitchDefault") {
    return SWITCH_OF.has(bean)
      ? { type: "Directive" }
      : { type: "Foreign", reason: `the directive ${d} is not directly under a Switch directive` };
  }
  return DIRECTIVES[d]
    ? { type: "Directive" }
    : { type: "Foreign", reason: `the directive ${d} has no Atelier equivalent` };
}

/** A binding as a script expression over the scripts' scope (input, state), or undefined. */
function bindingScript(v: Binding): string | undefined {
  if (v === null || typeof v !== "object") return JSON.stringify(v);
  if ("script" in v) return `(${v.script})`;
  if ((v.source === "input" || v.source === "state") && (!v.path || /^[\w$]+(?:\.[\w$]+|\[\d+\])*$/.test(v.path))) {
    return `${v.source}.${v.name}${v.path ? (v.path.startsWith("[") ? v.path : `.${v.path}`) : ""}`;
  }
  return undefined;
}

/** A switch case's value (or its Switch's) as a script, the Convertigo text kept when it has none. */
function switchOperand(b: Builder, bean: C8oBean, what: string): string {
  const raw = smartText(bean.props.find((p) => p.name === "directiveSource")?.value) ?? "";
  const c = convert(b, raw, undefined, what);
  const script = bindingScript(c.value);
  if (script !== undefined) return script;
  b.note(`${what}: ${raw} kept as Convertigo's expression (no script form): rewrite it`, true);
  return `(${raw.replace(/^(?:script|plain):/, "")})`;
}

/** A SwitchCase / SwitchDefault as an If on its Switch's value. */
function switchCase(b: Builder, name: string): void {
  const sw = SWITCH_OF.get(b.bean)!;
  b.bag.skip("directiveSource", "directiveExpression", "directiveItemName", "directiveIndexName");
  b.set("kind", "If");
  const value = switchOperand(b, sw, `the value of the Switch ${sw.name}`);
  if (name === "SwitchCase") {
    b.set("condition", { script: `${value} === ${switchOperand(b, b.bean, "the case's value")}` });
    b.note(`a SwitchCase of the Switch ${sw.name} in Convertigo: shown when its value equals the Switch's`);
    return;
  }
  const cases = sw.children.filter(
    (c) => isClass(c, "UIControlDirective") && beanStr(c, "directiveName", "") === "SwitchCase",
  );
  const others = cases.map((c) => `${value} === ${switchOperand(b, c, `the value of the case ${c.name}`)}`);
  b.set("condition", { script: others.length ? `!(${others.join(" || ")})` : "true" });
  b.note(`the SwitchDefault of the Switch ${sw.name} in Convertigo: shown when no case's value equals the Switch's`);
}

function directive(b: Builder): void {
  b.comment();
  const name = b.bag.str("directiveName", "ForEach");
  if (name === "SwitchCase" || name === "SwitchDefault") {
    switchCase(b, name);
    return;
  }
  const kind = DIRECTIVES[name]!;
  if (kind !== "ForEach") b.set("kind", kind);
  const raw = smartText(b.bag.raw("directiveSource")) ?? "";
  const c = convert(b, raw, undefined, kind === "If" ? "condition" : "items");
  b.set(kind === "If" ? "condition" : "items", c.value);
  const item = b.bag.str("directiveItemName", "");
  if (item !== "" && kind === "ForEach") b.set("itemName", item);
  const index = b.bag.str("directiveIndexName", "");
  if (index !== "") b.note(`index variable ${index}: read the position with a script`);
  b.bag.skip("directiveExpression");
}

function sharedComponent(b: Builder): void {
  b.comment();
  b.bag.skip("scriptContent");
  const code = markedCode(formatted(b.bean.props.find((p) => p.name === "scriptContent")?.value));
  if (code !== "") b.note(`its TypeScript (between Convertigo's markers) is not run:\n${indent(code)}`, true);
  buildChildrenNow(b);
  addComponentStyles(b);
}

function compVariable(b: Builder): void {
  b.comment();
  const raw = smartText(b.bag.raw("variableValue")) ?? contentText(b.bag.raw("value")) ?? "";
  if (raw !== "" && raw !== "plain:") {
    const c = convert(b, raw, undefined, "default");
    if (c.value !== "" && typeof c.value !== "object") b.set("default", c.value);
    else if (typeof c.value === "object" && c.value !== null) b.note(`default in Convertigo: ${raw}`);
  }
}

function stackVariable(b: Builder): void {
  b.comment();
  const raw = smartText(b.bag.raw("variableValue")) ?? "";
  if (raw !== "" && raw !== "plain:") b.note(`default in Convertigo: ${raw}`);
}

function useShared(b: Builder): void {
  b.comment();
  const ref = b.bag.str("sharedcomponent", "");
  const { project, name } = lastName(ref);
  b.set("component", name);
  if (project && b.m.projectRef(project) !== "") {
    b.note(
      `uses ${name} of project ${project}: Atelier's shared components are the project's own; import it here`,
      true,
    );
  }
  const inputs = controlVariables(b);
  if (Object.keys(inputs).length) b.set("inputs", inputs);
}

function sharedAction(b: Builder): void {
  b.comment();
}

function style(b: Builder): void {
  // A Style has no comment: Convertigo's goes with the notes to its parent's.
  const comment = b.bag.str("comment", "");
  if (comment !== "") b.note(comment);
  const css = formatted(b.bag.raw("styleContent"));
  b.set("css", css);
  if (SCSS.test(css)) {
    b.note(
      "SCSS in Convertigo (variables, imports): Atelier's Style is plain CSS, rewrite it (theme colors: the Application's theme)",
      true,
    );
  }
}
