import { describe, expect, it } from "vitest";
import type { ObjNode } from "./node.ts";
import { bindingNames, checkPropValue, type PropDef } from "./props.ts";

const node: ObjNode = { id: "x", type: "Component", name: "x", props: {}, children: [] };
const binding: PropDef = { name: "text", label: "Text", kind: "binding", help: "A binding." };
const bindings: PropDef = { name: "inputs", label: "Inputs", kind: "bindings", help: "Bindings." };
const check = (def: PropDef, v: unknown) => checkPropValue(def, v, node);

describe("binding properties", () => {
  it("take plain scalars, scripts and every source of the design", () => {
    for (const v of [
      "Log in",
      3,
      true,
      false,
      { script: "sync.pending + ' to send'" },
      { source: "sequence", sequence: "Login", project: "Auth", path: "user.name" },
      {
        source: "view",
        connector: "FullSync",
        view: "orders/byUser",
        path: "rows",
        live: true,
        query: { key: { source: "state", name: "user" }, include_docs: true },
      },
      { source: "doc", connector: "FullSync", id: { script: "'order-' + item._id" }, live: false },
      { source: "item", directive: "ordeach00001", path: "doc.item" },
      { source: "form", form: "loginform001", field: "user" },
      { source: "state", name: "user" },
      { source: "action", action: "callseq00001", path: "user" },
      { source: "input", name: "order" },
      { source: "event", path: "detail.value" },
      { source: "event" },
      { source: "sync", connector: "FullSync", field: "pending" },
      { source: "app", field: "online" },
    ]) {
      expect(check(binding, v), JSON.stringify(v)).toBeUndefined();
    }
    // Nothing is no value (required is the type's business).
    expect(check(binding, null)).toBeUndefined();
    expect(check({ ...binding, required: true }, "")).toBe("Text is required");
  });

  it("say which part of a binding is wrong", () => {
    expect(check(binding, { source: "view", connector: "FullSync" })).toBe('Text: source "view" needs view');
    expect(check(binding, { source: "view" })).toBe('Text: source "view" needs connector and view');
    expect(check(binding, { source: "sync", connector: "FullSync" })).toBe('Text: source "sync" needs field');
    expect(check(binding, { source: "sync", connector: "FullSync", field: "speed" })).toBe(
      'Text: field of source "sync" must be one of: state, pending, conflicts, denied, lastSync',
    );
    expect(check(binding, { source: "database", name: "x" })).toBe(
      'Text: unknown source "database" (one of: sequence, view, doc, item, form, state, action, input, event, sync, app)',
    );
    expect(check(binding, { source: "state", name: "user", field: "x" })).toBe(
      'Text: source "state" has no "field" (it takes name and path)',
    );
    expect(check(binding, { source: "view", connector: "FullSync", view: "byUser" })).toBe(
      'Text: view of source "view" must be design/view (e.g. orders/byUser)',
    );
    expect(check(binding, { source: "view", connector: "FullSync", view: "o/b", live: "yes" })).toBe(
      'Text: live of source "view" must be true or false',
    );
    expect(check(binding, { source: "item", directive: "d", path: "rows[" })).toMatch(
      /^Text: path of source "item": Invalid path "rows\[" at character 6/,
    );
    expect(check(binding, { source: "item", directive: 12 })).toBe(
      `Text: directive of source "item" must be an object's id`,
    );
    expect(check(binding, { script: "" })).toBe("Text: script must be a JavaScript expression");
    expect(check(binding, { script: "a", path: "b" })).toBe('Text: a script binding has no "path"');
    expect(check(binding, { script: "a", source: "state" })).toBe(
      "Text is either { script } or { source, ... }, not both",
    );
    expect(check(binding, { value: 1 })).toBe(
      "Text must be a plain value, { script } or { source, ... } (an object has neither)",
    );
    expect(check(binding, ["a"])).toBe(
      "Text must be a plain value (text, number, true/false, null), { script } or { source, ... }",
    );
    // Nested bindings: a view's query, a document's id.
    expect(check(binding, { source: "view", connector: "F", view: "o/b", query: { key: { source: "state" } } })).toBe(
      'Text: query "key": source "state" needs name',
    );
    expect(check(binding, { source: "doc", connector: "F", id: { source: "form" } })).toBe(
      'Text: id: source "form" needs form',
    );
  });

  it("check maps of bindings entry by entry", () => {
    expect(check(bindings, { color: "warning", disabled: { script: "!form.valid" } })).toBeUndefined();
    expect(check(bindings, { color: "warning", value: { source: "state" } })).toBe(
      'Inputs "value": source "state" needs name',
    );
    expect(check(bindings, "warning")).toBe("Inputs must be a map of names to bindings");
  });

  it("check an action's inputs (entriesOf): maps of bindings and lists of texts are entries too", () => {
    const inputs: PropDef = { ...bindings, entriesOf: { catalogue: "actions", prop: "action" } };
    expect(check(inputs, { sequence: "Login", variables: { user: { source: "form", form: "f1" } } })).toBeUndefined();
    expect(check(inputs, { buttons: ["OK", "Cancel"] })).toBeUndefined();
    expect(check(inputs, { variables: { user: { source: "state" } } })).toBe(
      'Inputs "variables" "user": source "state" needs name',
    );
    expect(check(inputs, { page: { source: "page" } })).toMatch(/^Inputs "page": unknown source "page"/);
  });

  it("list the names and ids bindings hold, nested ones included, with where they are", () => {
    const names = bindingNames(
      {
        items: {
          source: "view",
          connector: "FullSync",
          view: "orders/byUser",
          query: { key: { source: "state", name: "user" } },
        },
        label: { source: "item", directive: "ordeach00001", path: "doc.item" },
        plain: "text",
        script: { script: "state.user" },
      },
      true,
    );
    expect(names.map((n) => `${n.path.join(".")}=${n.value}`)).toEqual([
      "items.connector=FullSync",
      "items.view=orders/byUser",
      "items.query.key.name=user",
      "label.directive=ordeach00001",
    ]);
    expect(bindingNames({ source: "sequence", sequence: "Login", project: "Auth" }).map((n) => n.field)).toEqual([
      "sequence",
      "project",
    ]);
  });
});
