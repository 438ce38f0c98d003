/**
 * Every Convertigo name of the catalogues exists in Convertigo: ionBeans, beanData keys, event
 * names, enum values mapped. Checked against testdata/ion-beans.json, extracted from Convertigo's
 * ion_objects.json (both families) and UIControlEvent.java at the commit it records
 * (testdata/extract-ion-beans.ts writes it).
 */
import { describe, expect, it } from "vitest";
import { uiActions } from "./actions.ts";
import { uiComponents } from "./catalogue.ts";
import fixture from "./testdata/ion-beans.json" with { type: "json" };

interface FixtureBean {
  families: string[];
  properties: Record<string, unknown[] | null>;
  events: string[];
}
const beans = fixture.beans as Record<string, FixtureBean>;
const keys = (list: string | string[] | undefined) => (list === undefined ? [] : [list].flat());

/**
 * An enum's Convertigo values (strings; false is "not set") are ours or mapped by
 * `convertigoValues`, and what it maps exists in Convertigo and here.
 */
function expectValuesMapped(
  where: string,
  def: {
    kind: string;
    values?: string[];
    convertigo?: string | string[];
    convertigoValues?: Record<string, string | null>;
  },
  mine: FixtureBean[],
): void {
  const theirs = keys(def.convertigo).flatMap((key) => mine.flatMap((b) => b.properties[key] ?? []));
  const mapped = def.convertigoValues ?? {};
  if (def.kind === "enum") {
    for (const v of theirs) {
      if (typeof v !== "string") continue;
      expect(def.values?.includes(v) || Object.hasOwn(mapped, v), `${where}: Convertigo value "${v}"`).toBe(true);
    }
  }
  for (const [from, to] of Object.entries(mapped)) {
    expect(theirs, `${where}: mapped Convertigo value "${from}"`).toContain(from);
    if (to !== null) expect(def.values, `${where}: "${from}" mapped to "${to}"`).toContain(to);
  }
}

describe("Convertigo names of the component catalogue", () => {
  it.each(uiComponents.map((c) => [c.name, c] as const))("%s", (name, c) => {
    for (const bean of c.convertigo) expect(beans[bean], `${name}: ionBean ${bean}`).toBeDefined();
    const mine = c.convertigo.map((b) => beans[b]!).filter(Boolean);
    for (const [prop, def] of Object.entries(c.props)) {
      for (const key of keys(def.convertigo)) {
        expect(
          mine.some((b) => Object.hasOwn(b.properties, key)),
          `${name}.${prop}: beanData key ${key} in ${c.convertigo.join("/")}`,
        ).toBe(true);
      }
    }
    for (const [prop, def] of Object.entries(c.props)) expectValuesMapped(`${name}.${prop}`, def, mine);
    const events = new Set([...fixture.controlEvents, ...mine.flatMap((b) => b.events)]);
    for (const [event, def] of Object.entries(c.events)) {
      for (const e of def.convertigo ?? []) expect(events.has(e), `${name}.${event}: Convertigo event ${e}`).toBe(true);
    }
  });
});

describe("Convertigo names of the actions catalogue", () => {
  it.each(uiActions.map((a) => [a.name, a] as const))("%s", (name, a) => {
    for (const bean of a.convertigo) expect(beans[bean], `${name}: ionBean ${bean}`).toBeDefined();
    const mine = a.convertigo.map((b) => beans[b]!).filter(Boolean);
    for (const [input, def] of Object.entries(a.inputs)) {
      for (const key of keys(def.convertigo)) {
        const owners = mine.filter((b) => Object.hasOwn(b.properties, key));
        expect(owners.length, `${name}.${input}: beanData key ${key}`).toBeGreaterThan(0);
      }
      expectValuesMapped(`${name}.${input}`, def, mine);
    }
  });

  it("CallFullSyncAction verbs exist", () => {
    const verbs = beans.CallFullSyncAction!.properties.verb ?? [];
    for (const a of uiActions)
      for (const v of a.convertigoVerbs ?? []) expect(verbs, `${a.name}: verb ${v}`).toContain(v);
  });
});

describe("the fixture", () => {
  it("records its source and holds only names the catalogues use (re-extract after a change)", () => {
    expect(fixture.source.commit).toMatch(/^[0-9a-f]{40}$/);
    const named = new Set([...uiComponents.flatMap((c) => c.convertigo), ...uiActions.flatMap((a) => a.convertigo)]);
    expect(Object.keys(beans).filter((b) => !named.has(b))).toEqual([]);
    expect(fixture.controlEvents).toContain("onClick");
  });
});
