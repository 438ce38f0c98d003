/**
 * The catalogues are well-formed: unique names, kinds and defaults that pass their own checks,
 * events with a React prop, children/parents rules that agree, drop templates that name catalogue
 * components where they may go, action inputs and branches consistent; and they are plain JSON.
 */
import { describe, expect, it } from "vitest";
import { actionByName, actionForIonBean, uiActions } from "./actions.ts";
import {
  UI_ROOTS,
  componentByName,
  componentForIonBean,
  uiComponents,
  type CatalogueComponent,
  type NodeTemplate,
} from "./catalogue.ts";
import { actionProblems, childAllowed, componentProblems, eventAllowed } from "./catalogue-checks.ts";

const PROP_KINDS = ["string", "text", "boolean", "number", "enum", "color", "icon", "json"];
const INPUT_KINDS = [...PROP_KINDS, "reference", "bindings", "stringList"];
const components = uiComponents.map((c) => [c.name, c] as const);
const actions = uiActions.map((a) => [a.name, a] as const);

/** The problems of some values, leaving out the required ones they do not give. */
const componentValueProblems = (name: string, values: Record<string, unknown>) =>
  componentProblems(name, values).filter((p) => !p.endsWith("is required"));
const actionValueProblems = (name: string, values: Record<string, unknown>) =>
  actionProblems(name, values).filter((p) => !p.endsWith("is required"));

function unique(names: string[]): string[] {
  return names.filter((n, i) => names.indexOf(n) !== i);
}

describe("the component catalogue", () => {
  it("has the design's entries, each named once", () => {
    expect(uiComponents.length).toBeGreaterThanOrEqual(30);
    expect(unique(uiComponents.map((c) => c.name))).toEqual([]);
    for (const name of ["Header", "Toolbar", "Content", "Stack", "List", "Item", "Input", "Button", "Select", "Card"]) {
      expect(componentByName(name)?.name).toBe(name);
    }
  });

  it("is plain JSON", () => {
    expect(JSON.parse(JSON.stringify(uiComponents))).toEqual(uiComponents);
  });

  it.each(components)("%s: label, group, icon, help, one renderer", (_, c) => {
    expect(c.label && c.group && c.icon && c.help).toBeTruthy();
    expect(c.name).toMatch(/^[A-Z][A-Za-z]*$/);
    expect(Boolean(c.render.ionic) !== Boolean(c.render.html)).toBe(true);
    if (c.render.ionic) expect(c.render.ionic).toMatch(/^Ion[A-Z][A-Za-z]*$/);
    if (c.render.html) {
      for (const [, prop] of c.render.html.matchAll(/\{(\w+)\}/g)) expect(c.props[prop!]?.kind).toBe("enum");
      expect(c.render.html.replace(/\{\w+\}/g, "1")).toMatch(/^[a-z][a-z0-9]*$/);
    }
  });

  it.each(components)("%s: props have a kind, help, and defaults they accept", (name, c) => {
    for (const [key, p] of Object.entries(c.props)) {
      expect(PROP_KINDS, `${name}.${key}`).toContain(p.kind);
      expect(p.help, `${name}.${key}`).toBeTruthy();
      expect(key).toMatch(/^[a-z][A-Za-z]*$/);
      if (p.kind === "enum") {
        expect(p.values?.length, `${name}.${key}`).toBeGreaterThan(0);
        expect(unique(p.values!)).toEqual([]);
      }
      if (p.default !== undefined) expect(componentValueProblems(name, { [key]: p.default })).toEqual([]);
    }
  });

  it.each(components)("%s: events fire from a React prop", (name, c) => {
    for (const [event, e] of Object.entries(c.events)) {
      expect(event).toMatch(/^[a-z][A-Za-z]*$/);
      expect(e.react, `${name}.${event}`).toMatch(/^on[A-Z][A-Za-z]*$/);
      if (e.key) expect(e.react).toBe("onKeyDown");
    }
  });

  it.each(components)("%s: children and parents name catalogue components and agree", (name, c) => {
    if (Array.isArray(c.children)) {
      for (const child of c.children) {
        expect(componentByName(child), `${name} > ${child}`).toBeDefined();
        expect(childAllowed(name, child), `${name} > ${child}`).toBe(true);
      }
    }
    for (const parent of c.parents ?? []) {
      const known = (UI_ROOTS as readonly string[]).includes(parent) || componentByName(parent) !== undefined;
      expect(known, `${parent} > ${name}`).toBe(true);
      expect(childAllowed(parent, name), `${parent} > ${name}`).toBe(true);
    }
  });

  it.each(components)("%s: a form field's value prop and change event exist", (name, c) => {
    if (!c.form) return;
    expect(c.props[c.form.value], name).toBeDefined();
    expect(Object.values(c.events).map((e) => e.react)).toContain(c.form.change);
  });

  it.each(components)("%s: what is created on drop is valid and may go there", (name, c) => {
    if (c.initial?.inputs) expect(componentValueProblems(name, c.initial.inputs)).toEqual([]);
    if (c.initial?.text !== undefined) expect(c.text, name).toBe(true);
    for (const t of c.defaults ?? []) expectTemplate(c, t);
  });

  it("maps each ionBean to one entry, found back by componentForIonBean", () => {
    const beans = uiComponents.flatMap((c) => c.convertigo);
    expect(unique(beans)).toEqual([]);
    for (const c of uiComponents) for (const b of c.convertigo) expect(componentForIonBean(b)).toBe(c);
    expect(componentForIonBean("ListItem")?.name).toBe("Item");
    expect(componentForIonBean("SubmitButton")?.name).toBe("Button");
    expect(componentForIonBean("GoogleMap")).toBeUndefined();
    expect(componentByName("Nope")).toBeUndefined();
  });
});

/** A drop template under `parent`: a Component of the catalogue allowed there, or an Event it offers. */
function expectTemplate(parent: CatalogueComponent, t: NodeTemplate): void {
  const where = `${parent.name} > ${t.type}`;
  if (t.type === "Event") {
    expect(eventAllowed(parent.name, String(t.props?.on)), where).toBe(true);
    expect(t.children ?? []).toEqual([]);
    return;
  }
  expect(t.type, where).toBe("Component");
  const name = String(t.props?.component);
  const c = componentByName(name);
  expect(c, `${where} ${name}`).toBeDefined();
  expect(childAllowed(parent.name, name), `${parent.name} > ${name}`).toBe(true);
  const inputs = (t.props?.inputs ?? {}) as Record<string, unknown>;
  expect(componentValueProblems(name, inputs)).toEqual([]);
  if (t.props?.text !== undefined) expect(c!.text, `${name} takes a text`).toBe(true);
  for (const child of t.children ?? []) expectTemplate(c!, child);
}

describe("the actions catalogue", () => {
  it("has the design's actions, each named once, as plain JSON", () => {
    expect(unique(uiActions.map((a) => a.name))).toEqual([]);
    for (const name of ["CallSequence", "FullSyncView", "FullSyncPost", "FullSyncSync", "Navigate", "If", "SetState"]) {
      expect(actionByName(name)?.name).toBe(name);
    }
    expect(JSON.parse(JSON.stringify(uiActions))).toEqual(uiActions);
  });

  it.each(actions)("%s: inputs have a kind, help, and defaults they accept", (name, a) => {
    expect(a.label && a.group && a.icon && a.help && a.output.help).toBeTruthy();
    for (const [key, input] of Object.entries(a.inputs)) {
      expect(INPUT_KINDS, `${name}.${key}`).toContain(input.kind);
      expect(input.help).toBeTruthy();
      expect(input.kind === "reference", `${name}.${key} refersTo`).toBe(input.refersTo !== undefined);
      if (input.kind === "enum") expect(input.values?.length).toBeGreaterThan(0);
      if (input.default !== undefined) expect(actionValueProblems(name, { [key]: input.default })).toEqual([]);
      for (const to of Object.values(input.convertigoValues ?? {})) if (to !== null) expect(input.values).toContain(to);
      if (input.convertigoNegated) expect(input.kind).toBe("boolean");
    }
    if (a.output.from === "input") expect(a.inputs[a.output.input!]).toBeDefined();
  });

  it.each(actions)("%s: children are actions and branches; Else only under If", (name, a) => {
    expect(a.children).toContain("Action");
    expect(a.children.includes("Else")).toBe(name === "If");
    expect(unique(a.children)).toEqual([]);
  });

  it.each(actions)("%s: what its ionBeans imply is valid", (name, a) => {
    for (const [bean, inputs] of Object.entries(a.convertigoImplies ?? {})) {
      const [ionBean, verb] = bean.split(":");
      expect(a.convertigo).toContain(ionBean);
      if (verb) expect(a.convertigoVerbs).toContain(verb);
      expect(actionValueProblems(name, inputs)).toEqual([]);
    }
  });

  it("maps ionBeans (and CallFullSyncAction's verbs) to one action each", () => {
    const verbs = uiActions.flatMap((a) => a.convertigoVerbs ?? []);
    expect(unique(verbs)).toEqual([]);
    const beans = uiActions.flatMap((a) => a.convertigo).filter((b) => b !== "CallFullSyncAction");
    expect(unique(beans)).toEqual([]);
    expect(actionForIonBean("CallSequenceAction")?.name).toBe("CallSequence");
    expect(actionForIonBean("RootPageAction")?.name).toBe("Navigate");
    expect(actionForIonBean("IfElseAction")?.name).toBe("If");
    expect(actionForIonBean("CallFullSyncAction", "replicate_pull")?.name).toBe("FullSyncSync");
    expect(actionForIonBean("CallFullSyncAction", "destroy")?.name).toBe("FullSyncReset");
    expect(actionForIonBean("CallFullSyncAction")).toBeUndefined();
    expect(actionForIonBean("CameraAction")).toBeUndefined();
  });
});
