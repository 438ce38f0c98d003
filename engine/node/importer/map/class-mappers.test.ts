import { describe, expect, it } from "vitest";
import { listTypes } from "../../../common/model/registry.ts";
import { classMapperFor, mappedClasses, TYPES_WITHOUT_CONVERTIGO_CLASS } from "./class-mappers.ts";

describe("the Convertigo class tables", () => {
  const made = new Map<string, string[]>();
  for (const [cls, mapper] of mappedClasses()) {
    for (const t of mapper.types) made.set(t, [...(made.get(t) ?? []), cls]);
  }

  it("give every Atelier type a Convertigo class, or say why it has none (adding a type forces a decision)", () => {
    const undecided = listTypes()
      .map((t) => t.type)
      .filter((t) => !made.has(t) && !(t in TYPES_WITHOUT_CONVERTIGO_CLASS));
    expect(
      undecided,
      "map these types in a table of importer/map/, or list them in TYPES_WITHOUT_CONVERTIGO_CLASS",
    ).toEqual([]);
  });

  it("never both map a type and say it has no class; every reason says something", () => {
    for (const [type, reason] of Object.entries(TYPES_WITHOUT_CONVERTIGO_CLASS)) {
      expect(made.get(type), `${type} is mapped from ${made.get(type)?.join(", ")}`).toBeUndefined();
      expect(reason.length, type).toBeGreaterThan(20);
    }
  });

  it("name only registered types (or the pseudo-types of objects their parent folds in)", () => {
    const known = new Set(listTypes().map((t) => t.type));
    for (const type of [...made.keys(), ...Object.keys(TYPES_WITHOUT_CONVERTIGO_CLASS)]) {
      if (type !== "TestCaseVariable" && type !== "Folded") expect(known, type).toContain(type);
    }
  });

  it("look up own entries only", () => {
    expect(classMapperFor("steps.IfStep")?.types).toEqual(["If"]);
    expect(classMapperFor("constructor")).toBeUndefined();
    expect(classMapperFor("steps.SmtpStep")).toBeUndefined();
  });
});
