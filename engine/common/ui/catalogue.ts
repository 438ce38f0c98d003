/**
 * The component catalogue of the UI builder (issue 18, design §3): what a `Component` object may
 * be. One entry per component: how it renders (an Ionic React component, or a plain element), its
 * properties with their kinds, its events, what it may contain and where it may go, the form value
 * it carries, the children created with it on drop, and the Convertigo ionBeans it stands for.
 *
 * Pure data: JSON-serializable (served to the Studio by the `uiCatalogue` route, bundled into the
 * app runtime), no function in an entry. The lookups below are the only code.
 *
 * Names are stable: they are stored in `component:` of the project's files. A changed prop of an
 * entry is a catalogue migration (`version`), as for the object types.
 *
 * Convertigo names (`convertigo`) are checked against `ion_objects.json` by the tests
 * (testdata/ion-beans.json): ionBean names for entries, beanData keys for props, event names of
 * `UIControlEvent` or of the bean for events.
 */
import type { Json } from "../model/typedef.ts";

/** A JSON Schema (a plain object). */
export type JsonSchema = { [key: string]: Json };

/**
 * The kinds of a catalogue prop: `string` one line, `text` several lines, `enum` one of `values`,
 * `color` an Ionic color name (`values` lists the theme's; a custom one defined in CSS is allowed),
 * `icon` an ionicons name (`add`, `log-out-outline`), `json` any JSON value.
 */
export type CataloguePropKind = "string" | "text" | "boolean" | "number" | "enum" | "color" | "icon" | "json";

export interface CatalogueProp {
  kind: CataloguePropKind;
  /** The allowed values of an `enum`; suggestions for a `color`. */
  values?: string[];
  /** The value when the prop is not set (the Ionic default, for information; never written). */
  default?: Json;
  help: string;
  /** Whether a binding (`{script}`, `{source, ...}`) may stand for the value. Default true. */
  bindable?: boolean;
  /** A value is needed. */
  required?: boolean;
  /** The value names an object of the project (a page), checked by the reference rules. */
  refersTo?: "page";
  /** The beanData key(s) of Convertigo's ionBeans holding this prop (the first present wins). */
  convertigo?: string | string[];
  /** Convertigo's values spelled differently here; null: left unset (the importer says so). */
  convertigoValues?: Record<string, string | null>;
}

export interface CatalogueEvent {
  /** The React prop of the rendered component that fires it (`onClick`, `onIonChange`). */
  react: string;
  /** Fired only for this key of a keyboard event (`onKeyDown` + `Enter`). */
  key?: string;
  /** The schema of the payload an `event` binding reads. */
  payload?: JsonSchema;
  help?: string;
  /** Convertigo event names mapped here (`UIControlEvent.eventName` or the bean's own events). */
  convertigo?: string[];
}

/** An object created on drop: a plain template of the project's object model. */
export interface NodeTemplate {
  type: string;
  name?: string;
  props?: { [key: string]: Json };
  children?: NodeTemplate[];
}

export interface CatalogueComponent {
  /** Stable, stored in `component:`. */
  name: string;
  label: string;
  group: string;
  /** An ionicons name, for the palette. */
  icon: string;
  help: string;
  /** The entry's version (default 1): raised when a prop changes, with a migration. */
  version?: number;
  /**
   * What renders it: an Ionic React component (`IonButton`), or a plain element (`div`, `p`);
   * `h{level}` takes the tag from the `level` prop.
   */
  render: { ionic?: string; html?: string };
  props: Record<string, CatalogueProp>;
  events: Record<string, CatalogueEvent>;
  /** Takes the Component's `text` binding as its content. */
  text?: boolean;
  /** What may go under it: anything, nothing, or these catalogue components. */
  children: "any" | "none" | string[];
  /** Where it may go (catalogue components, or a root: Page, SharedComponent, Application); absent: anywhere. */
  parents?: string[];
  /** How children are laid out by default. */
  container?: "column" | "row";
  /** A form field: the prop holding its value, the React event that changes it, the value's schema. */
  form?: { value: string; change: string; schema: JsonSchema };
  /** Set on the new component on drop (Convertigo's `hint` properties). */
  initial?: { inputs?: { [key: string]: Json }; text?: string };
  /** The children created with it on drop (Convertigo's `hint` subtree). */
  defaults?: NodeTemplate[];
  /** The Convertigo ionBeans mapped to it (both the `ngx` and the older `mobile` families). */
  convertigo: string[];
}

/** The roots a component may be placed under, besides catalogue components. */
export const UI_ROOTS = ["Page", "SharedComponent", "Application"] as const;

/** Ionic's theme colors. */
export const IONIC_COLORS = [
  "primary",
  "secondary",
  "tertiary",
  "success",
  "warning",
  "danger",
  "light",
  "medium",
  "dark",
];

// ---- prop builders (they return plain data) ----

const color = (help = "The Ionic color (theme name)."): CatalogueProp => ({
  kind: "color",
  values: IONIC_COLORS,
  help,
  convertigo: "IonColor",
});
const bool = (help: string, convertigo?: string, dflt = false): CatalogueProp => ({
  kind: "boolean",
  default: dflt,
  help,
  ...(convertigo ? { convertigo } : {}),
});
const choice = (values: string[], help: string, convertigo?: string | string[], dflt?: string): CatalogueProp => ({
  kind: "enum",
  values,
  help,
  ...(dflt !== undefined ? { default: dflt } : {}),
  ...(convertigo ? { convertigo } : {}),
});
const str = (help: string, convertigo?: string | string[]): CatalogueProp => ({
  kind: "string",
  help,
  ...(convertigo ? { convertigo } : {}),
});
const num = (help: string, convertigo?: string): CatalogueProp => ({
  kind: "number",
  help,
  ...(convertigo ? { convertigo } : {}),
});
const disabled = (): CatalogueProp => bool("Disabled: not clickable, not editable.", "Disabled");

const click = (help = "Clicked or tapped."): CatalogueEvent => ({
  react: "onClick",
  help,
  convertigo: ["onClick", "onTap"],
});
const focus = (): CatalogueEvent => ({ react: "onIonFocus", help: "Got the focus.", convertigo: ["ionFocus"] });
const blur = (): CatalogueEvent => ({ react: "onIonBlur", help: "Lost the focus.", convertigo: ["ionBlur"] });

const valuePayload = (schema: JsonSchema): JsonSchema => ({
  type: "object",
  properties: { value: schema },
});
const checkedPayload: JsonSchema = {
  type: "object",
  properties: { checked: { type: "boolean" }, value: { type: "string" } },
};

const COL_SIZES = ["auto", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12"];
const COL_OFFSETS = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11"];
const LINES = ["full", "inset", "none"];
const LABEL_PLACEMENTS = ["start", "end", "fixed", "floating", "stacked"];

const fieldName = (): CatalogueProp => ({
  kind: "string",
  bindable: false,
  help: "The form field this component fills (default: the component's name).",
  convertigo: "ControlName",
});
const label = (): CatalogueProp => str("The field's label, shown with it.", "Label");
const labelPlacement = (values = LABEL_PLACEMENTS): CatalogueProp =>
  choice(values, "Where the label goes relative to the field.", "LabelPlacement", "start");
const routerLink = (): CatalogueProp =>
  str("A route of this app to open on click (the app's router navigates, no reload).", "LinkRouterPath");

/** A Component template (on drop). */
function comp(
  component: string,
  extra: { text?: string; inputs?: Record<string, Json> } = {},
  children?: NodeTemplate[],
) {
  const t: NodeTemplate = { type: "Component", props: { component } };
  if (extra.text !== undefined) t.props!.text = extra.text;
  if (extra.inputs) t.props!.inputs = extra.inputs;
  if (children) t.children = children;
  return t;
}
const onEvent = (on: string): NodeTemplate => ({ type: "Event", props: { on } });

// ---- the catalogue ----

export const uiComponents: CatalogueComponent[] = [
  // -- page structure --
  {
    name: "Header",
    label: "Header",
    group: "Structure",
    icon: "browsers-outline",
    help: "The page's top bar area; holds toolbars.",
    render: { ionic: "IonHeader" },
    props: {
      translucent: bool("Translucent (iOS): content shows blurred behind it.", "Translucent"),
      collapse: choice(["condense", "fade"], "Collapse effect when the content scrolls.", "Collapse"),
    },
    events: {},
    children: ["Toolbar"],
    parents: ["Page", "SharedComponent"],
    defaults: [comp("Toolbar", {}, [comp("Title", { text: "Title" })])],
    convertigo: ["Header"],
  },
  {
    name: "Footer",
    label: "Footer",
    group: "Structure",
    icon: "browsers-outline",
    help: "The page's bottom bar area; holds toolbars or a tab bar.",
    render: { ionic: "IonFooter" },
    props: {
      translucent: bool("Translucent (iOS): content shows blurred behind it.", "Translucent"),
      collapse: choice(["fade"], "Collapse effect when the content scrolls.", "Collapse"),
    },
    events: {},
    children: ["Toolbar", "TabBar"],
    parents: ["Page", "SharedComponent"],
    defaults: [comp("Toolbar")],
    convertigo: ["Footer"],
  },
  {
    name: "Toolbar",
    label: "Toolbar",
    group: "Structure",
    icon: "remove-outline",
    help: "A bar with a title and buttons, in a header, a footer or the content.",
    render: { ionic: "IonToolbar" },
    props: { color: color() },
    events: {},
    children: "any",
    container: "row",
    defaults: [comp("Title", { text: "Title" })],
    convertigo: ["ToolBar", "NavBar"],
  },
  {
    name: "Title",
    label: "Title",
    group: "Structure",
    icon: "text-outline",
    help: "A toolbar's title.",
    render: { ionic: "IonTitle" },
    props: {
      color: color(),
      size: {
        ...choice(["large", "small"], "Large (iOS collapsible title) or small.", "IonSize"),
        convertigoValues: { default: null },
      },
    },
    events: {},
    text: true,
    children: "none",
    initial: { text: "Title" },
    convertigo: ["BarTitle"],
  },
  {
    name: "Buttons",
    label: "Toolbar buttons",
    group: "Structure",
    icon: "ellipsis-horizontal-outline",
    help: "A group of buttons placed in a toolbar, at its start or end.",
    render: { ionic: "IonButtons" },
    props: {
      slot: choice(["start", "end", "primary", "secondary"], "Where in the toolbar.", "SetPosition"),
      collapse: bool("Shown in the collapsed header only (iOS large titles).", "Collapse"),
    },
    events: {},
    children: ["Button", "BackButton", "MenuButton"],
    container: "row",
    convertigo: ["ButtonSet"],
  },
  {
    name: "BackButton",
    label: "Back button",
    group: "Structure",
    icon: "arrow-back-outline",
    help: "Goes back in the app's history (or to the default route when there is none).",
    render: { ionic: "IonBackButton" },
    props: {
      defaultHref: str("The route to go to when there is no history.", "DefaultHref"),
      text: str("The text shown beside the arrow.", "ButtonText"),
      icon: { kind: "icon", help: "The icon (ionicons name).", convertigo: "IonIcon" },
      color: color(),
      disabled: disabled(),
    },
    events: {},
    children: "none",
    convertigo: ["BackButton"],
  },
  {
    name: "MenuButton",
    label: "Menu button",
    group: "Structure",
    icon: "menu-outline",
    help: "Opens the app's side menu.",
    render: { ionic: "IonMenuButton" },
    props: {
      menu: str("The menu to open (its menuId or side); default: the first enabled menu.", "MenuId"),
      autoHide: bool("Hidden when its menu is not active.", "AutoHide", true),
      color: color(),
      disabled: disabled(),
    },
    events: {},
    children: "none",
    convertigo: ["MenuButton"],
  },
  {
    name: "Content",
    label: "Content",
    group: "Structure",
    icon: "document-outline",
    help: "The page's scrollable content area.",
    render: { ionic: "IonContent" },
    props: {
      fullscreen: bool("Scrolls under the header and footer (translucent bars).", "Fullscreen"),
      color: color(),
      scrollY: bool("Scrolls vertically.", "ScrollY", true),
      scrollX: bool("Scrolls horizontally.", "ScrollX"),
    },
    events: {},
    children: "any",
    container: "column",
    parents: ["Page", "SharedComponent"],
    convertigo: ["Content"],
  },
  {
    name: "Stack",
    label: "Stack",
    group: "Layout",
    icon: "albums-outline",
    help: "A flex box laying out its children in a column or a row (the Component's layout).",
    render: { html: "div" },
    props: {},
    events: { click: click() },
    children: "any",
    container: "column",
    // TextFormat: the older family's div of text utilities (the importer turns them into CSS).
    convertigo: ["DivTag", "TextFormat"],
  },
  {
    name: "Grid",
    label: "Grid",
    group: "Layout",
    icon: "grid-outline",
    help: "A responsive grid of rows and columns (12 columns).",
    render: { ionic: "IonGrid" },
    props: { fixed: bool("A fixed width per screen size.", "Fixed") },
    events: {},
    children: ["Row"],
    container: "column",
    defaults: [comp("Row", {}, [comp("Col"), comp("Col")])],
    convertigo: ["Grid"],
  },
  {
    name: "Row",
    label: "Row",
    group: "Layout",
    icon: "reorder-four-outline",
    help: "A row of a grid.",
    render: { ionic: "IonRow" },
    props: {},
    events: {},
    children: ["Col"],
    parents: ["Grid"],
    container: "row",
    defaults: [comp("Col"), comp("Col")],
    convertigo: ["GridRow"],
  },
  {
    name: "Col",
    label: "Column",
    group: "Layout",
    icon: "pause-outline",
    help: "A column of a grid row; sizes in twelfths, per screen size.",
    render: { ionic: "IonCol" },
    props: {
      size: choice(COL_SIZES, "Columns taken (of 12), or auto.", "Size"),
      sizeSm: choice(COL_SIZES, "Columns taken from 576px.", "SizeSm"),
      sizeMd: choice(COL_SIZES, "Columns taken from 768px.", "SizeMd"),
      sizeLg: choice(COL_SIZES, "Columns taken from 992px.", "SizeLg"),
      sizeXl: choice(COL_SIZES, "Columns taken from 1200px.", "SizeXl"),
      offset: choice(COL_OFFSETS, "Columns left empty before it.", "Offset"),
      offsetSm: choice(COL_OFFSETS, "Columns left empty before it, from 576px.", "OffsetSm"),
      offsetMd: choice(COL_OFFSETS, "Columns left empty before it, from 768px.", "OffsetMd"),
      offsetLg: choice(COL_OFFSETS, "Columns left empty before it, from 992px.", "OffsetLg"),
    },
    events: {},
    children: "any",
    parents: ["Row"],
    container: "column",
    convertigo: ["GridCol"],
  },

  // -- lists --
  {
    name: "List",
    label: "List",
    group: "Lists",
    icon: "list-outline",
    help: "A list of items (put a ForEach inside to repeat an item over data).",
    render: { ionic: "IonList" },
    props: {
      inset: bool("Inset: margins and rounded corners.", "Inset"),
      lines: choice(LINES, "The lines between items.", "Lines"),
    },
    events: {},
    children: "any",
    container: "column",
    defaults: [comp("ListHeader", { text: "Items" }), comp("Item", {}, [comp("Label", { text: "Item" })])],
    convertigo: ["List", "AvatarList"],
  },
  {
    name: "ListHeader",
    label: "List header",
    group: "Lists",
    icon: "reader-outline",
    help: "A list's heading.",
    render: { ionic: "IonListHeader" },
    props: { color: color(), lines: choice(LINES, "The line under it.", "Lines") },
    events: {},
    text: true,
    children: ["Label", "Button"],
    parents: ["List"],
    container: "row",
    initial: { text: "Items" },
    convertigo: ["Listheader"],
  },
  {
    name: "Item",
    label: "Item",
    group: "Lists",
    icon: "square-outline",
    help: "A row of a list or a form: labels, fields, icons, badges side by side.",
    render: { ionic: "IonItem" },
    props: {
      button: bool("Looks and acts as a button (ripple, pointer).", "Button"),
      detail: bool("Shows a chevron at its end.", "Detail"),
      lines: choice(LINES, "The line under it.", "Lines"),
      color: color(),
      disabled: disabled(),
      routerLink: routerLink(),
      href: str("A URL to open on click.", "LinkUrl"),
    },
    events: { click: click() },
    children: "any",
    container: "row",
    defaults: [comp("Label", { text: "Item" })],
    convertigo: ["ListItem", "GenericItem", "FormItem"],
  },

  // -- text --
  {
    name: "Label",
    label: "Label",
    group: "Text",
    icon: "pricetag-outline",
    help: "A text in an item (several labels stack); may hold headings and paragraphs.",
    render: { ionic: "IonLabel" },
    props: {
      color: color(),
      position: choice(["fixed", "stacked", "floating"], "Its position beside a field.", "Position"),
    },
    events: {},
    text: true,
    children: "any",
    initial: { text: "Label" },
    convertigo: ["Label"],
  },
  {
    name: "Note",
    label: "Note",
    group: "Text",
    icon: "chatbox-outline",
    help: "A small secondary text, as at the end of an item.",
    render: { ionic: "IonNote" },
    props: { color: color() },
    events: {},
    text: true,
    children: "none",
    initial: { text: "Note" },
    convertigo: ["Note"],
  },
  {
    name: "Text",
    label: "Colored text",
    group: "Text",
    icon: "color-palette-outline",
    help: "A text in one of the theme's colors.",
    render: { ionic: "IonText" },
    props: { color: color() },
    events: {},
    text: true,
    children: "none",
    initial: { text: "Text" },
    convertigo: ["TextItem"],
  },
  {
    name: "Heading",
    label: "Heading",
    group: "Text",
    icon: "text-outline",
    help: "A heading (h1 to h6).",
    render: { html: "h{level}" },
    props: {
      level: {
        kind: "enum",
        values: ["1", "2", "3", "4", "5", "6"],
        default: "2",
        bindable: false,
        help: "The heading level (h1 to h6). Convertigo's Heading1..6 give it; its Heading is h1.",
      },
    },
    events: {},
    text: true,
    children: "none",
    initial: { text: "Heading", inputs: { level: "2" } },
    convertigo: ["Heading", "Heading1", "Heading2", "Heading3", "Heading4", "Heading5", "Heading6"],
  },
  {
    name: "Paragraph",
    label: "Paragraph",
    group: "Text",
    icon: "reorder-three-outline",
    help: "A paragraph of text.",
    render: { html: "p" },
    props: {},
    events: {},
    text: true,
    children: "none",
    initial: { text: "Some text" },
    convertigo: ["Paragraph"],
  },
  {
    name: "Divider",
    label: "Divider",
    group: "Text",
    icon: "remove-outline",
    help: "A horizontal rule between blocks (an hr).",
    render: { html: "hr" },
    props: {},
    events: {},
    children: "none",
    // No ionBean: Convertigo's plain <hr> element (UIElement) is mapped by its tag.
    convertigo: [],
  },

  // -- forms --
  {
    name: "Input",
    label: "Input",
    group: "Forms",
    icon: "create-outline",
    help: "A one-line text field.",
    render: { ionic: "IonInput" },
    props: {
      name: fieldName(),
      label: label(),
      labelPlacement: labelPlacement(),
      type: {
        ...choice(
          [
            "text",
            "password",
            "email",
            "number",
            "search",
            "tel",
            "url",
            "date",
            "time",
            "datetime-local",
            "month",
            "week",
          ],
          "The kind of text typed (keyboard, masking, validation).",
          "Type",
          "text",
        ),
        convertigoValues: { file: null }, // Ionic 8 has no file input
      },
      placeholder: str("Shown while empty.", "Placeholder"),
      value: str("The initial value (the form holds it afterwards).", "Value"),
      required: bool("A value is needed to submit the form.", "Required"),
      clearInput: bool("Shows a button clearing the value.", "ClearInput"),
      readonly: bool("Shown, not editable.", "Readonly"),
      disabled: disabled(),
      fill: choice(["outline", "solid"], "The field's look (md).", "Fill"),
      helperText: str("A hint shown under the field.", "HelperText"),
      errorText: str("An error shown under the field when it is invalid and touched.", "ErrorText"),
      maxlength: num("The most characters allowed.", "MaxLength"),
      autocomplete: str("The browser's autocomplete hint (username, current-password, email, off…).", "AutoComplete"),
    },
    events: {
      input: {
        react: "onIonInput",
        help: "Each keystroke.",
        payload: valuePayload({ type: ["string", "null"] }),
        convertigo: ["ionInput", "onInput"],
      },
      change: {
        react: "onIonChange",
        help: "The value changed and the field lost the focus.",
        payload: valuePayload({ type: ["string", "null"] }),
        convertigo: ["ionChange", "onChange"],
      },
      enter: { react: "onKeyDown", key: "Enter", help: "Enter pressed in the field.", convertigo: [] },
      focus: focus(),
      blur: blur(),
    },
    children: "none",
    form: { value: "value", change: "onIonInput", schema: { type: "string" } },
    initial: { inputs: { label: "Label" } },
    convertigo: ["Input"],
  },
  {
    name: "Searchbar",
    label: "Search bar",
    group: "Forms",
    icon: "search-outline",
    help: "A search field: what is typed comes with its input event (the value), for a search or a filter.",
    render: { ionic: "IonSearchbar" },
    props: {
      name: fieldName(),
      placeholder: str("Shown while empty (Ionic's default: Search).", "placeholder"),
      value: str("The initial text.", "value"),
      debounce: num(
        "Milliseconds waited after a keystroke before the input event (Ionic's default: none).",
        "debounce",
      ),
      showCancelButton: choice(
        ["never", "focus", "always"],
        "When its cancel button shows.",
        "showCancelButton",
        "never",
      ),
      color: color(),
      animated: bool("Animates the cancel button (iOS).", "animated"),
      disabled: disabled(),
    },
    events: {
      input: {
        react: "onIonInput",
        help: "Each keystroke (after the debounce).",
        payload: valuePayload({ type: ["string", "null"] }),
        convertigo: ["ionInput"],
      },
      change: {
        react: "onIonChange",
        help: "The value changed and the field lost the focus.",
        payload: valuePayload({ type: ["string", "null"] }),
        convertigo: ["ionChange"],
      },
      clear: { react: "onIonClear", help: "Cleared by its clear button.", convertigo: ["ionClear"] },
      cancel: { react: "onIonCancel", help: "Its cancel button was clicked.", convertigo: ["ionCancel"] },
      focus: focus(),
      blur: blur(),
    },
    children: "none",
    form: { value: "value", change: "onIonInput", schema: { type: "string" } },
    convertigo: ["Searchbar"],
  },
  {
    name: "TextArea",
    label: "Text area",
    group: "Forms",
    icon: "document-text-outline",
    help: "A multi-line text field.",
    render: { ionic: "IonTextarea" },
    props: {
      name: fieldName(),
      label: label(),
      labelPlacement: labelPlacement(),
      placeholder: str("Shown while empty.", "Placeholder"),
      value: str("The initial value (the form holds it afterwards).", "Value"),
      rows: num("The visible lines.", "Rows"),
      autoGrow: bool("Grows with its text.", "AutoGrow"),
      required: bool("A value is needed to submit the form.", "Required"),
      readonly: bool("Shown, not editable.", "Readonly"),
      disabled: disabled(),
      maxlength: num("The most characters allowed.", "MaxLength"),
      counter: bool("Shows the characters typed (with maxlength).", "Counter"),
      fill: choice(["outline", "solid"], "The field's look (md).", "Fill"),
      helperText: str("A hint shown under the field.", "HelperText"),
      errorText: str("An error shown under the field when it is invalid and touched.", "ErrorText"),
    },
    events: {
      input: {
        react: "onIonInput",
        help: "Each keystroke.",
        payload: valuePayload({ type: ["string", "null"] }),
        convertigo: ["ionInput", "onInput"],
      },
      change: {
        react: "onIonChange",
        help: "The value changed and the field lost the focus.",
        payload: valuePayload({ type: ["string", "null"] }),
        convertigo: ["ionChange", "onChange"],
      },
      focus: focus(),
      blur: blur(),
    },
    children: "none",
    form: { value: "value", change: "onIonInput", schema: { type: "string" } },
    initial: { inputs: { label: "Label" } },
    convertigo: ["TextArea"],
  },
  {
    name: "Toggle",
    label: "Toggle",
    group: "Forms",
    icon: "toggle-outline",
    help: "An on/off switch; its text is its label.",
    render: { ionic: "IonToggle" },
    props: {
      name: fieldName(),
      checked: bool("On.", "Checked"),
      labelPlacement: labelPlacement(["start", "end", "fixed", "stacked"]),
      justify: choice(["start", "end", "space-between"], "How label and switch share the line.", "Justify"),
      alignment: choice(["start", "center"], "Vertical alignment of label and switch.", "Alignment"),
      enableOnOffLabels: bool("Shows on/off marks in the switch.", "EnableOnOffLabels"),
      color: color(),
      disabled: disabled(),
    },
    events: {
      change: {
        react: "onIonChange",
        help: "Switched by the user.",
        payload: checkedPayload,
        convertigo: ["ionChange", "onChange"],
      },
      focus: focus(),
      blur: blur(),
    },
    text: true,
    children: "none",
    form: { value: "checked", change: "onIonChange", schema: { type: "boolean" } },
    initial: { text: "Toggle" },
    convertigo: ["Toggle"],
  },
  {
    name: "Checkbox",
    label: "Checkbox",
    group: "Forms",
    icon: "checkbox-outline",
    help: "A check box; its text is its label.",
    render: { ionic: "IonCheckbox" },
    props: {
      name: fieldName(),
      checked: bool("Checked.", "Checked"),
      indeterminate: bool("Shown as neither checked nor unchecked.", "Indeterminate"),
      labelPlacement: labelPlacement(["start", "end", "fixed", "stacked"]),
      justify: choice(["start", "end", "space-between"], "How label and box share the line.", "Justify"),
      alignment: choice(["start", "center"], "Vertical alignment of label and box.", "Alignment"),
      color: color(),
      disabled: disabled(),
    },
    events: {
      change: {
        react: "onIonChange",
        help: "Checked or unchecked by the user.",
        payload: checkedPayload,
        convertigo: ["ionChange", "onChange"],
      },
      focus: focus(),
      blur: blur(),
    },
    text: true,
    children: "none",
    form: { value: "checked", change: "onIonChange", schema: { type: "boolean" } },
    initial: { text: "Checkbox" },
    convertigo: ["CheckBox"],
  },
  {
    name: "Select",
    label: "Select",
    group: "Forms",
    icon: "chevron-down-circle-outline",
    help: "A choice among options (in an alert, action sheet, popover or modal).",
    render: { ionic: "IonSelect" },
    props: {
      name: fieldName(),
      label: label(),
      labelPlacement: labelPlacement(),
      placeholder: str("Shown while nothing is chosen.", "Placeholder"),
      value: {
        kind: "json",
        help: "The initial value (an option's value; a list when multiple).",
        convertigo: "Value",
      },
      interface: choice(["alert", "action-sheet", "popover", "modal"], "How options are shown.", "Interface", "alert"),
      multiple: bool("Several options may be chosen.", "Multiple"),
      okText: str("The OK button's text.", "OkText"),
      cancelText: str("The Cancel button's text.", "CancelText"),
      fill: choice(["outline", "solid"], "The field's look (md).", "Fill"),
      disabled: disabled(),
    },
    events: {
      change: {
        react: "onIonChange",
        help: "An option was chosen.",
        payload: valuePayload({}),
        convertigo: ["ionChange", "onChange"],
      },
      cancel: { react: "onIonCancel", help: "Closed without choosing.", convertigo: ["ionCancel"] },
      focus: focus(),
      blur: blur(),
    },
    children: ["SelectOption"],
    form: { value: "value", change: "onIonChange", schema: {} },
    initial: { inputs: { label: "Choose" } },
    defaults: [
      comp("SelectOption", { text: "One", inputs: { value: "one" } }),
      comp("SelectOption", { text: "Two", inputs: { value: "two" } }),
    ],
    convertigo: ["Select"],
  },
  {
    name: "SelectOption",
    label: "Option",
    group: "Forms",
    icon: "radio-button-on-outline",
    help: "An option of a select; its text is what is shown.",
    render: { ionic: "IonSelectOption" },
    props: {
      value: { kind: "json", help: "The value the select takes when it is chosen.", convertigo: "Value" },
      disabled: disabled(),
    },
    events: {},
    text: true,
    children: "none",
    parents: ["Select"],
    initial: { text: "Option" },
    convertigo: ["SelectOption", "Option"],
  },
  {
    name: "Segment",
    label: "Segment",
    group: "Forms",
    icon: "options-outline",
    help: "A row of segment buttons, one chosen (tabs within a page, filters).",
    render: { ionic: "IonSegment" },
    props: {
      name: fieldName(),
      value: str("The chosen button's value.", "Value"),
      color: color(),
      scrollable: bool("Scrolls horizontally when the buttons do not fit.", "Scrollable"),
      disabled: disabled(),
    },
    events: {
      change: {
        react: "onIonChange",
        help: "Another button was chosen.",
        payload: valuePayload({ type: ["string", "number"] }),
        convertigo: ["ionChange", "onChange"],
      },
    },
    children: ["SegmentButton"],
    container: "row",
    form: { value: "value", change: "onIonChange", schema: { type: ["string", "number"] } },
    initial: { inputs: { value: "one" } },
    defaults: [
      comp("SegmentButton", { text: "One", inputs: { value: "one" } }),
      comp("SegmentButton", { text: "Two", inputs: { value: "two" } }),
    ],
    convertigo: ["Segment"],
  },
  {
    name: "SegmentButton",
    label: "Segment button",
    group: "Forms",
    icon: "radio-button-off-outline",
    help: "A button of a segment; its text is its label.",
    render: { ionic: "IonSegmentButton" },
    props: {
      value: str("The segment's value when it is chosen.", "Value"),
      layout: choice(
        ["icon-top", "icon-start", "icon-end", "icon-bottom", "icon-hide", "label-hide"],
        "Where its icon goes.",
        "Layout",
        "icon-top",
      ),
      disabled: disabled(),
    },
    events: {},
    text: true,
    children: ["Icon", "Label"],
    parents: ["Segment"],
    initial: { text: "Segment" },
    convertigo: ["SegmentButton"],
  },

  // -- buttons and small components --
  {
    name: "Button",
    label: "Button",
    group: "Buttons",
    icon: "radio-button-on",
    help: "A button; put actions under its click event.",
    render: { ionic: "IonButton" },
    props: {
      expand: choice(["block", "full"], "Full width (block: rounded, full: edge to edge).", "IonExpand"),
      fill: choice(["solid", "outline", "clear", "default"], "Filled, outlined or text only.", "IonFill"),
      shape: choice(["round"], "Rounded ends.", "IonShape"),
      size: choice(["small", "default", "large"], "Its size.", "IonSize"),
      color: color(),
      disabled: disabled(),
      type: choice(["button", "submit", "reset"], "Its role in a form.", "ButtonFormType", "button"),
      strong: bool("Bold text.", "IonStrong"),
      routerLink: routerLink(),
    },
    events: { click: click(), focus: focus(), blur: blur() },
    text: true,
    children: ["Icon"],
    container: "row",
    initial: { text: "Button" },
    defaults: [onEvent("click")],
    convertigo: ["Button", "SubmitButton", "ResetButton"],
  },
  {
    name: "Icon",
    label: "Icon",
    group: "Buttons",
    icon: "happy-outline",
    help: "An ionicons icon (bundled with the app: shown offline).",
    render: { ionic: "IonIcon" },
    props: {
      icon: {
        kind: "icon",
        required: true,
        help: "The icon's ionicons name (add, trash-outline…).",
        convertigo: "IconName",
      },
      color: color(),
      size: {
        ...choice(["small", "large"], "Its size (default: the text's).", "IonSize"),
        convertigoValues: { default: null },
      },
      slot: {
        ...choice(["start", "end", "icon-only"], "Its place in a button or an item.", "IconSlot"),
        convertigoValues: { "": null },
      },
    },
    events: { click: click() },
    children: "none",
    initial: { inputs: { icon: "add" } },
    convertigo: ["Icon"],
  },
  {
    name: "Badge",
    label: "Badge",
    group: "Buttons",
    icon: "ellipse",
    help: "A small count or status, in an item, a toolbar or a tab.",
    render: { ionic: "IonBadge" },
    props: { color: color() },
    events: {},
    text: true,
    children: "none",
    initial: { text: "1" },
    convertigo: ["Badge"],
  },
  {
    name: "Chip",
    label: "Chip",
    group: "Buttons",
    icon: "pricetags-outline",
    help: "A compact element: a tag, a filter, a contact.",
    render: { ionic: "IonChip" },
    props: {
      color: color(),
      outline: bool("Outlined instead of filled.", "Outline"),
      disabled: disabled(),
    },
    events: { click: click() },
    children: "any",
    container: "row",
    defaults: [comp("Label", { text: "Chip" })],
    convertigo: ["Chip"],
  },
  {
    name: "Spinner",
    label: "Spinner",
    group: "Buttons",
    icon: "sync-outline",
    help: "A spinning loading indicator.",
    render: { ionic: "IonSpinner" },
    props: {
      name: choice(
        [
          "bubbles",
          "circles",
          "circular",
          "crescent",
          "dots",
          "lines",
          "lines-sharp",
          "lines-sharp-small",
          "lines-small",
        ],
        "Its animation (default: the platform's).",
        "Name",
      ),
      color: color(),
      paused: bool("Not animated.", "Paused"),
    },
    events: {},
    children: "none",
    convertigo: ["Spinner"],
  },
  {
    name: "Image",
    label: "Image",
    group: "Media",
    icon: "image-outline",
    help: "An image, loaded when it scrolls into view.",
    render: { ionic: "IonImg" },
    props: {
      src: {
        kind: "string",
        required: true,
        help: "The image's URL (or a project asset path).",
        convertigo: ["Src", "url"],
      },
      alt: str("The text read instead of the image.", ["Alt", "alt"]),
    },
    events: {
      click: click(),
      load: { react: "onIonImgDidLoad", help: "The image was loaded.", convertigo: ["ionImgDidLoad"] },
      error: { react: "onIonError", help: "The image could not be loaded.", convertigo: ["ionError"] },
    },
    children: "none",
    convertigo: ["LazyImage", "Image"],
  },

  // -- cards --
  {
    name: "Card",
    label: "Card",
    group: "Cards",
    icon: "card-outline",
    help: "A card: a header and content, set apart.",
    render: { ionic: "IonCard" },
    props: {
      color: color(),
      button: bool("Looks and acts as a button (ripple, pointer).", "Button"),
      disabled: disabled(),
      routerLink: routerLink(),
    },
    events: { click: click() },
    children: "any",
    container: "column",
    defaults: [
      comp("CardHeader", {}, [comp("CardTitle", { text: "Card title" }), comp("CardSubtitle", { text: "Subtitle" })]),
      comp("CardContent", {}, [comp("Paragraph", { text: "Some text" })]),
    ],
    convertigo: ["Card"],
  },
  {
    name: "CardHeader",
    label: "Card header",
    group: "Cards",
    icon: "card-outline",
    help: "A card's header: its title and subtitle.",
    render: { ionic: "IonCardHeader" },
    props: { color: color(), translucent: bool("Translucent (iOS).", "Translucent") },
    events: {},
    children: "any",
    parents: ["Card"],
    container: "column",
    convertigo: ["CardHeader"],
  },
  {
    name: "CardTitle",
    label: "Card title",
    group: "Cards",
    icon: "text-outline",
    help: "A card's title.",
    render: { ionic: "IonCardTitle" },
    props: { color: color() },
    events: {},
    text: true,
    children: "none",
    parents: ["CardHeader"],
    initial: { text: "Card title" },
    convertigo: ["CardTitle"],
  },
  {
    name: "CardSubtitle",
    label: "Card subtitle",
    group: "Cards",
    icon: "text-outline",
    help: "A card's subtitle.",
    render: { ionic: "IonCardSubtitle" },
    props: { color: color() },
    events: {},
    text: true,
    children: "none",
    parents: ["CardHeader"],
    initial: { text: "Subtitle" },
    convertigo: ["CardSubTitle"],
  },
  {
    name: "CardContent",
    label: "Card content",
    group: "Cards",
    icon: "reader-outline",
    help: "A card's content.",
    render: { ionic: "IonCardContent" },
    props: {},
    events: {},
    children: "any",
    parents: ["Card"],
    container: "column",
    convertigo: ["CardContent"],
  },

  // -- navigation --
  {
    name: "TabBar",
    label: "Tab bar",
    group: "Navigation",
    icon: "apps-outline",
    help: "A bar of tabs, each showing a page.",
    render: { ionic: "IonTabBar" },
    props: {
      color: color(),
      selectedTab: str("The tab shown as selected (default: the current page's).", "SelectedTab"),
      translucent: bool("Translucent (iOS).", "Translucent"),
      slot: {
        // TabsPlacement: the older family's tabs container (Ionic 3's ion-tabs).
        ...choice(["top", "bottom"], "At the top or the bottom.", ["IonSlot", "TabsPlacement"], "bottom"),
        // Convertigo's slot model is shared by all its beans: the others mean nothing for a tab bar.
        convertigoValues: { fixed: null, start: null, end: null, header: null, content: null },
      },
    },
    events: {},
    children: ["TabButton"],
    parents: ["Application", "Page", "Footer"],
    container: "row",
    defaults: [comp("TabButton", { text: "Tab" })],
    // Tabs: the older family's tabs container, whose tab items each show a page (see TabButton).
    convertigo: ["TabBar", "Tabs"],
  },
  {
    name: "TabButton",
    label: "Tab",
    group: "Navigation",
    icon: "bookmark-outline",
    help: "A tab of a tab bar: opens a page; its text is its label.",
    render: { ionic: "IonTabButton" },
    props: {
      tab: {
        kind: "string",
        required: true,
        bindable: false,
        refersTo: "page",
        help: "The page it opens (Convertigo: the TabButton's page).",
      },
      layout: choice(
        ["icon-top", "icon-start", "icon-end", "icon-bottom", "icon-hide", "label-hide"],
        "Where its icon goes.",
        "Layout",
        "icon-top",
      ),
      disabled: disabled(),
    },
    events: {},
    text: true,
    children: ["Icon", "Label", "Badge"],
    parents: ["TabBar"],
    initial: { text: "Tab" },
    // Tab: the older family's tab item; the importer reads its page, title, icon and badge.
    convertigo: ["TabButton", "Tab"],
  },
  {
    name: "Menu",
    label: "Side menu",
    group: "Navigation",
    icon: "menu-outline",
    help: "The app's side menu, opened by a menu button or a swipe.",
    render: { ionic: "IonMenu" },
    props: {
      side: choice(["start", "end"], "The side it slides from.", "MenuSide", "start"),
      type: choice(["overlay", "reveal", "push"], "How it appears.", "MenuType"),
      menuId: str("Its id, for menu buttons naming it."),
      swipeGesture: bool("Opened by a swipe from the edge.", "MenuSwipeEnabled", true),
      disabled: disabled(),
    },
    events: {
      open: { react: "onIonDidOpen", help: "Opened.", convertigo: ["ionDidOpen"] },
      close: { react: "onIonDidClose", help: "Closed.", convertigo: ["ionDidClose"] },
    },
    children: ["MenuItem"],
    parents: ["Application"],
    container: "column",
    defaults: [comp("MenuItem", { text: "Home" })],
    convertigo: ["Menu"],
  },
  {
    name: "MenuItem",
    label: "Menu item",
    group: "Navigation",
    icon: "navigate-outline",
    help: "An entry of the side menu: opens a page and closes the menu; its text is its title.",
    render: { ionic: "IonItem" },
    props: {
      page: {
        kind: "string",
        required: true,
        bindable: false,
        refersTo: "page",
        help: "The page it opens (Convertigo: the MenuItem's itempage).",
      },
      icon: { kind: "icon", help: "An icon before the title (ionicons name)." },
    },
    events: { click: click() },
    text: true,
    children: "none",
    parents: ["Menu"],
    initial: { text: "Page" },
    convertigo: ["MenuItem"],
  },
];

const byName = new Map(uiComponents.map((c) => [c.name, c]));
const byBean = new Map(uiComponents.flatMap((c) => c.convertigo.map((b) => [b, c] as const)));

/** The catalogue entry of a component name, or undefined. */
export function componentByName(name: string): CatalogueComponent | undefined {
  return byName.get(name);
}

/** The catalogue entry mapped from a Convertigo ionBean (`Button`, `ListItem`), or undefined. */
export function componentForIonBean(bean: string): CatalogueComponent | undefined {
  return byBean.get(bean);
}
