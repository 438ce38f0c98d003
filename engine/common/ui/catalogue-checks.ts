/**
 * Checks of a UI object against the catalogues (design §4.3, "catalogue" rules): the problems of a
 * component's props or an action's inputs (unknown name, unknown prop, value not allowed, wrong
 * kind, missing), whether a child may go under a parent, whether an event is offered. The UI
 * object types' `check` functions call these; messages name the component or action, the prop and
 * what is allowed, and are shown as they are in the Problems view.
 *
 * A value may be a binding instead of a plain value when its prop is bindable: any object with a
 * `script` string or a `source` string is accepted here as one, unchecked (the binding checks,
 * binding-checks.ts, look into it).
 */
import { uiActions, actionByName, type ActionChild, type ActionInput } from "./actions.ts";
import { UI_ROOTS, componentByName, uiComponents, type CatalogueProp } from "./catalogue.ts";

/** A binding, structurally: an object with a `script` or a `source` string. */
export function isBinding(value: unknown): value is { script: string } | { source: string } {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const v = value as Record<string, unknown>;
  return typeof v.script === "string" || typeof v.source === "string";
}

/** The problems of a component's props (`inputs`), empty when it is fine. */
export function componentProblems(component: string, props: Record<string, unknown>): string[] {
  const entry = componentByName(component);
  if (!entry) {
    return [
      `Unknown component "${component}"${suggest(
        component,
        uiComponents.map((c) => c.name),
      )}`,
    ];
  }
  return valueProblems(component, entry.props, props, "prop");
}

/** The problems of an action's inputs, empty when it is fine. */
export function actionProblems(action: string, inputs: Record<string, unknown>): string[] {
  const entry = actionByName(action);
  if (!entry) {
    return [
      `Unknown action "${action}"${suggest(
        action,
        uiActions.map((a) => a.name),
      )}`,
    ];
  }
  return valueProblems(action, entry.inputs, inputs, "input");
}

/**
 * Whether the catalogue component `child` may go directly under `parent`: a catalogue component,
 * or a root (Page, SharedComponent, Application). Both sides must agree: the parent's `children`
 * and the child's `parents`. A Directive is transparent: check its children against the
 * component above it.
 */
export function childAllowed(parent: string, child: string): boolean {
  return childProblem(parent, child) === undefined;
}

/** Why `child` may not go under `parent`, or undefined when it may. */
export function childProblem(parent: string, child: string): string | undefined {
  const c = componentByName(child);
  if (!c) return `Unknown component "${child}"`;
  if ((UI_ROOTS as readonly string[]).includes(parent)) {
    const where = ROOT_WORDS[parent as (typeof UI_ROOTS)[number]];
    // The Application takes only what says so (its menu, its tab bar); pages take the rest.
    const ok = c.parents ? c.parents.includes(parent) : parent !== "Application";
    return ok ? undefined : `${child} cannot go under ${where}${placesOf(c.parents)}`;
  }
  const p = componentByName(parent);
  if (!p) return `Unknown component "${parent}"`;
  if (p.children === "none") return `${parent} takes no children`;
  if (p.children !== "any" && !p.children.includes(child)) {
    return `${parent} takes only ${p.children.join(", ")} (not ${child})`;
  }
  if (c.parents && !c.parents.includes(parent)) return `${child} cannot go under ${parent}${placesOf(c.parents)}`;
  return undefined;
}

const ROOT_WORDS: Record<(typeof UI_ROOTS)[number], string> = {
  Page: "a page",
  SharedComponent: "a shared component",
  Application: "the application",
};

/** Whether the component offers the event (`click`, `change`). */
export function eventAllowed(component: string, event: string): boolean {
  return eventProblem(component, event) === undefined;
}

/** Why the component does not offer the event, or undefined when it does. */
export function eventProblem(component: string, event: string): string | undefined {
  const entry = componentByName(component);
  if (!entry) return `Unknown component "${component}"`;
  if (Object.hasOwn(entry.events, event)) return undefined;
  const offered = Object.keys(entry.events);
  return offered.length === 0
    ? `${component} has no events (not "${event}")`
    : `${component} has no event "${event}"${suggest(event, offered)}; its events: ${offered.join(", ")}`;
}

/** Whether an Action of the catalogue takes this kind of child (Action, OnError, Else). */
export function actionChildAllowed(action: string, child: string): boolean {
  const entry = actionByName(action);
  return entry !== undefined && entry.children.includes(child as ActionChild);
}

// ---- values ----

type PropLike = CatalogueProp | ActionInput;

function valueProblems(
  owner: string,
  defs: Record<string, PropLike>,
  values: Record<string, unknown>,
  word: "prop" | "input",
): string[] {
  const problems: string[] = [];
  const names = Object.keys(defs);
  for (const [key, value] of Object.entries(values)) {
    const def = Object.hasOwn(defs, key) ? defs[key] : undefined;
    if (!def) {
      const list = names.length ? `; its ${word}s: ${names.join(", ")}` : `; it has no ${word}s`;
      problems.push(`${owner} has no ${word} "${key}"${suggest(key, names)}${list}`);
      continue;
    }
    const problem = valueProblem(def, value);
    if (problem) problems.push(`${owner} "${key}" ${problem}`);
  }
  for (const [key, def] of Object.entries(defs)) {
    if (def.required && isMissing(values[key])) problems.push(`${owner} "${key}" is required`);
  }
  return problems;
}

function isMissing(v: unknown): boolean {
  return v === undefined || v === null || v === "";
}

/** What is wrong with one value for its definition (a phrase after `<owner> "<prop>"`), or undefined. */
function valueProblem(def: PropLike, value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined; // not set
  if (isBinding(value)) {
    if (def.bindable === false) return `cannot be a binding: give ${expected(def)}`;
    return undefined;
  }
  switch (def.kind) {
    case "string":
    case "text":
      return typeof value === "string" ? undefined : wrongKind(def, value);
    case "boolean":
      return typeof value === "boolean" ? undefined : wrongKind(def, value);
    case "number":
      return typeof value === "number" && Number.isFinite(value) ? undefined : wrongKind(def, value);
    case "enum":
      if (typeof value !== "string") return wrongKind(def, value);
      return def.values?.includes(value)
        ? undefined
        : `is "${value}", not one of ${(def.values ?? []).join(", ")}${suggest(value, def.values ?? [])}`;
    case "color":
      if (typeof value !== "string") return wrongKind(def, value);
      return /^[a-z][a-z0-9-]*$/i.test(value)
        ? undefined
        : `is "${value}", not a color name (${IONIC_COLOR_HINT}, or a custom color defined in CSS)`;
    case "icon":
      if (typeof value !== "string") return wrongKind(def, value);
      return /^[a-z0-9]+(-[a-z0-9]+)*$/.test(value)
        ? undefined
        : `is "${value}", not an ionicons name (lower case words joined by "-", as log-out-outline)`;
    case "reference":
      return typeof value === "string" && value !== "" ? undefined : wrongKind(def, value);
    case "stringList":
      return Array.isArray(value) && value.every((v) => typeof v === "string") ? undefined : wrongKind(def, value);
    case "bindings":
      return typeof value === "object" && !Array.isArray(value) ? undefined : wrongKind(def, value);
    case "json":
      return isJson(value) ? undefined : wrongKind(def, value);
  }
}

const IONIC_COLOR_HINT = "primary, secondary, tertiary, success, warning, danger, light, medium, dark";

function expected(def: PropLike): string {
  switch (def.kind) {
    case "string":
    case "text":
      return "a string";
    case "boolean":
      return "true or false";
    case "number":
      return "a number";
    case "enum":
      return `one of ${(def.values ?? []).join(", ")}`;
    case "color":
      return "a color name";
    case "icon":
      return "an ionicons name";
    case "reference":
      return `the name of a ${("refersTo" in def && def.refersTo) || "project object"}`;
    case "stringList":
      return "a list of strings";
    case "bindings":
      return "an object (name → value)";
    case "json":
      return "a JSON value";
  }
}

function wrongKind(def: PropLike, value: unknown): string {
  return `must be ${expected(def)} (got ${describe(value)})`;
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return "a list";
  if (typeof value === "string") return `the string ${JSON.stringify(clip(value))}`;
  if (typeof value === "number" || typeof value === "boolean") return `${typeof value} ${String(value)}`;
  if (typeof value === "object") return "an object";
  return typeof value;
}

function clip(s: string): string {
  return s.length > 40 ? s.slice(0, 40) + "…" : s;
}

function isJson(value: unknown): boolean {
  if (value === null || typeof value === "string" || typeof value === "boolean") return true;
  if (typeof value === "number") return Number.isFinite(value);
  if (Array.isArray(value)) return value.every(isJson);
  if (typeof value === "object") return Object.values(value).every(isJson);
  return false;
}

function placesOf(parents: string[] | undefined): string {
  return parents ? ` (it goes under ${parents.join(", ")})` : "";
}

/** ` (did you mean "X"?)`, the nearest name within a third of its length, or "". */
function suggest(name: string, names: readonly string[]): string {
  let best: string | undefined;
  let bestDistance = Math.max(1, Math.floor(name.length / 3)) + 1;
  for (const n of names) {
    const d = distance(name.toLowerCase(), n.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [n, d];
  }
  if (best === undefined) return "";
  return ` (did you mean "${best}"?)`;
}

/** Levenshtein distance (small strings). */
function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length]!;
}
