import { readdir } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { allTypes } from "../types/index.ts";
import type { ObjNode } from "./node.ts";
import { checkPropValue } from "./props.ts";
import { acceptedChildTypes, acceptsChild, checkNode, getType, listTypes, typeSchemas } from "./registry.ts";

const typesDir = path.resolve(import.meta.dirname, "../types");

describe("the type registry", () => {
  it("lists every type file of engine/common/types (adding a type is one file, listed once)", async () => {
    const files = (await readdir(typesDir, { recursive: true }))
      .filter(
        (f) =>
          f.endsWith(".ts") && !f.endsWith(".test.ts") && !["index.ts", "shared-props.ts"].includes(path.basename(f)),
      )
      .map((f) => f.replace(/\\/g, "/"));
    const exported = new Set<string>();
    for (const f of files) {
      const mod = (await import(path.join(typesDir, f))) as Record<string, unknown>;
      for (const v of Object.values(mod)) {
        if (v && typeof v === "object" && "type" in v && "category" in v && "props" in v)
          exported.add((v as { type: string }).type);
      }
    }
    const registered = new Set(listTypes().map((t) => t.type));
    expect([...exported].filter((t) => !registered.has(t))).toEqual([]);
    expect(registered.size).toBe(allTypes.length);
  });

  it("gives every type a label, an icon, a description and help for each property", () => {
    for (const t of listTypes()) {
      expect(t.label, t.type).toBeTruthy();
      expect(t.icon, t.type).toBeTruthy();
      expect(t.description.length, t.type).toBeGreaterThan(10);
      for (const p of t.props) {
        expect(p.help.length, `${t.type}.${p.name}`).toBeGreaterThan(5);
        expect(["type", "name", "id", "children"]).not.toContain(p.name);
      }
      expect(new Set(t.props.map((p) => p.name)).size, t.type).toBe(t.props.length);
    }
  });

  it("has defaults that pass their own property's validation", () => {
    for (const t of listTypes()) {
      const node: ObjNode = { id: "x", type: t.type, name: "x", props: {}, children: [] };
      for (const p of t.props) {
        if (p.default === undefined) continue;
        expect(checkPropValue({ ...p, required: false }, p.default, node), `${t.type}.${p.name}`).toBeUndefined();
      }
    }
  });

  it("only refers to existing types in accepts and onlyIn", () => {
    const names = new Set(listTypes().map((t) => t.type));
    const categories = new Set(listTypes().map((t) => t.category));
    for (const t of listTypes()) {
      for (const e of [...t.accepts, ...(t.onlyIn ?? [])]) {
        if (e === "*") continue;
        if (e.startsWith("category:")) expect(categories, `${t.type}: ${e}`).toContain(e.slice(9));
        else expect(names, `${t.type}: ${e}`).toContain(e);
      }
    }
  });

  it("answers which children a parent accepts", () => {
    expect(acceptsChild("Sequence", "Element")).toBe(true);
    expect(acceptsChild("Sequence", "HttpConnector")).toBe(false);
    expect(acceptsChild("Project", "Sequence")).toBe(true);
    expect(acceptsChild("HttpConnector", "JsonHttpTransaction")).toBe(true);
    expect(acceptsChild("Element", "Element")).toBe(false);
    expect(acceptsChild("Sequence", "Foreign")).toBe(true);
    const palette = acceptedChildTypes("Sequence").map((t) => t.type);
    expect(palette).toContain("SequenceJS");
    expect(palette).toContain("Variable");
    expect(palette).not.toContain("Then");
    expect(palette).not.toContain("Foreign");
  });

  it("checks an object's properties, names and children", () => {
    const seq: ObjNode = {
      id: "s",
      type: "Sequence",
      name: "S",
      props: { accessibility: "Secret", bogus: 1 },
      children: [
        { id: "v1", type: "Variable", name: "a", props: {}, children: [] },
        { id: "v2", type: "Variable", name: "a", props: {}, children: [] },
      ],
    };
    expect(checkNode(seq).map((i) => i.message)).toEqual([
      'Unknown property "bogus" for a Sequence',
      "Accessibility must be one of: Public, Hidden, Private",
      'Two variable objects are named "a"',
    ]);
    expect(getType("Nope")).toBeUndefined();
  });

  it("serves JSON schemas without functions", () => {
    const schemas = typeSchemas();
    expect(JSON.parse(JSON.stringify(schemas))).toEqual(schemas);
    const http = schemas.find((s) => s.type === "HttpConnector");
    expect(http?.props.find((p) => p.name === "timeoutMs")).toMatchObject({
      kind: "integer",
      default: 30000,
      label: "Timeout (ms)",
    });
    expect(schemas.find((s) => s.type === "Element")?.runnable).toBe(true);
  });
});
