/**
 * The UI model the runtime reads (design §2.3): the project's Application and everything under it,
 * as the plain JSON nodes the engine loads (`ObjNode` of engine/common/model/node.ts, without its
 * issues and locations), plus the lookups the interpreter, the chain runner and the router need:
 * pages by name and route, shared components and actions by name, states, nodes by id, form
 * fields under a container.
 *
 * The model is read-only here: a new tree (the Studio's delta) makes a new model.
 */
import type { CatalogueAction } from "../engine/common/ui/actions.ts";
import { actionByName } from "../engine/common/ui/actions.ts";
import type { CatalogueComponent } from "../engine/common/ui/catalogue.ts";
import { componentByName } from "../engine/common/ui/catalogue.ts";

/** One object of the UI: Application, Page, Component, Text, Directive, UseShared, Event, Action... */
export interface UiNode {
  id: string;
  type: string;
  name: string;
  props: Record<string, unknown>;
  children: UiNode[];
}

/** The UI object types whose children are laid out on screen (Components, Texts, Directives, UseShared). */
export const UI_NODE_TYPES = ["Component", "Text", "Directive", "UseShared"] as const;

/** Whether a node shows on screen (a Component, a Text, a Directive or a UseShared). */
export function isUiNode(node: UiNode): boolean {
  return (UI_NODE_TYPES as readonly string[]).includes(node.type);
}

/** A State of the application or of a page, as the state store reads it. */
export interface StateDecl {
  name: string;
  default?: unknown;
  persist: "none" | "session" | "device";
}

/** A form field found under a container: the Component and the name its value has in the form. */
export interface FormField {
  node: UiNode;
  name: string;
  entry: CatalogueComponent;
}

const str = (v: unknown): string | undefined => (typeof v === "string" && v !== "" ? v : undefined);

/** A page's route: its `route`, or its name in lower case; without leading or trailing slashes. */
export function routeOf(page: UiNode): string {
  const route = str(page.props.route) ?? page.name.toLowerCase();
  return route.replace(/^\/+|\/+$/g, "");
}

/** The catalogue entry of a Component node, or undefined (not a Component, or unknown). */
export function componentEntry(node: UiNode): CatalogueComponent | undefined {
  if (node.type !== "Component") return undefined;
  const name = node.props.component;
  return typeof name === "string" ? componentByName(name) : undefined;
}

/** The catalogue entry of an Action node, or undefined. */
export function actionEntry(node: UiNode): CatalogueAction | undefined {
  const name = node.props.action;
  return node.type === "Action" && typeof name === "string" ? actionByName(name) : undefined;
}

/** The name a form field's value has in its form: its `name` input, or the component's name. */
export function fieldName(node: UiNode): string {
  const inputs = node.props.inputs;
  const named =
    typeof inputs === "object" && inputs !== null ? str((inputs as Record<string, unknown>).name) : undefined;
  return named ?? node.name;
}

function stateDecls(holder: UiNode | undefined): StateDecl[] {
  if (!holder) return [];
  return holder.children
    .filter((c) => c.type === "State")
    .map((c) => {
      const persist = c.props.persist;
      return {
        name: c.name,
        default: c.props.default,
        persist: persist === "session" || persist === "device" ? persist : "none",
      };
    });
}

export class UiModel {
  /** The node the model was made from (the Application, or the project holding it). */
  readonly root: UiNode;
  readonly app: UiNode;
  /** The pages, in the application's `pageOrder`, then by name. */
  readonly pages: readonly UiNode[];
  private readonly byId = new Map<string, UiNode>();
  private readonly parents = new Map<string, UiNode>();
  private readonly fields = new Map<string, FormField[]>();

  /** `root`: the Application, or a node holding one (a Project). */
  constructor(root: UiNode) {
    const app = root.type === "Application" ? root : root.children.find((c) => c.type === "Application");
    if (!app) throw new Error(`No Application in ${root.type} ${root.name}`);
    this.root = root;
    this.app = app;
    const index = (node: UiNode, parent: UiNode | undefined) => {
      this.byId.set(node.id, node);
      if (parent) this.parents.set(node.id, parent);
      for (const c of node.children) index(c, node);
    };
    index(app, undefined);
    const order = Array.isArray(app.props.pageOrder) ? app.props.pageOrder.filter((x) => typeof x === "string") : [];
    const rank = (p: UiNode) => {
      const i = order.indexOf(p.name);
      return i < 0 ? order.length : i;
    };
    this.pages = app.children
      .filter((c) => c.type === "Page")
      .sort((a, b) => rank(a) - rank(b) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** The application's name (its States are stored under it). */
  get name(): string {
    return this.app.name;
  }

  node(id: string): UiNode | undefined {
    return this.byId.get(id);
  }

  parent(id: string): UiNode | undefined {
    return this.parents.get(id);
  }

  page(name: string): UiNode | undefined {
    return this.pages.find((p) => p.name === name);
  }

  /** The page whose route is exactly this one (`orders/:id`); the router matches locations. */
  pageAtRoute(route: string): UiNode | undefined {
    const r = route.replace(/^\/+|\/+$/g, "");
    return this.pages.find((p) => routeOf(p) === r);
  }

  /** The page a node is in (itself when it is one), or undefined (application level, shared). */
  pageOf(id: string): UiNode | undefined {
    for (let n = this.node(id); n; n = this.parent(n.id)) if (n.type === "Page") return n;
    return undefined;
  }

  /** The page named by the application's `startPage`, or the first page. */
  startPage(): UiNode | undefined {
    const name = str(this.app.props.startPage);
    return (name ? this.page(name) : undefined) ?? this.pages[0];
  }

  /** The page named by the application's `loginPage`, or undefined. */
  loginPage(): UiNode | undefined {
    const name = str(this.app.props.loginPage);
    return name ? this.page(name) : undefined;
  }

  sharedComponent(name: string): UiNode | undefined {
    return this.app.children.find((c) => c.type === "SharedComponent" && c.name === name);
  }

  sharedAction(name: string): UiNode | undefined {
    return this.app.children.find((c) => c.type === "SharedAction" && c.name === name);
  }

  /** The application's States. */
  appStates(): StateDecl[] {
    return stateDecls(this.app);
  }

  /** A page's own States. */
  pageStates(page: UiNode): StateDecl[] {
    return stateDecls(page);
  }

  /** The Event children of a node (`on` given: only those handling it). */
  events(node: UiNode, on?: string): UiNode[] {
    return node.children.filter((c) => c.type === "Event" && (on === undefined || c.props.on === on));
  }

  /** The CSS of the Style children of a node, in order. */
  styles(node: UiNode): string[] {
    return node.children
      .filter((c) => c.type === "Style" && typeof c.props.css === "string")
      .map((c) => c.props.css as string);
  }

  /**
   * The form fields under a container (a Component id): Components whose catalogue entry carries a
   * form value, looked for through components and directives (not into shared components, whose
   * fields are their own).
   */
  fieldsUnder(id: string): readonly FormField[] {
    const cached = this.fields.get(id);
    if (cached) return cached;
    const out: FormField[] = [];
    const visit = (n: UiNode) => {
      for (const c of n.children) {
        if (c.type === "UseShared") continue;
        const entry = componentEntry(c);
        if (entry?.form) out.push({ node: c, name: fieldName(c), entry });
        if (c.type === "Component" || c.type === "Directive") visit(c);
      }
    };
    const root = this.node(id);
    if (root) visit(root);
    this.fields.set(id, out);
    return out;
  }
}

/** The model of an application (or of a project node holding one). */
export function createUiModel(root: UiNode): UiModel {
  return new UiModel(root);
}
