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
        // An enum's Convertigo values are ours, or mapped (false: not set).
        if (def.kind !== "enum") continue;
        for (const v of owners.flatMap((b) => b.properties[key] ?? [])) {
          if (typeof v !== "string") continue;
          const known = def.values?.includes(v) || Object.hasOwn(def.convertigoValues ?? {}, v);
          expect(known, `${name}.${input}: Convertigo value ${v}`).toBe(true);
        }
      }
      for (const v of Object.keys(def.convertigoValues ?? {})) {
        const values = mine.flatMap((b) => b.properties[keys(def.convertigo)[0]!] ?? []);
        expect(values, `${name}.${input}: mapped value ${v}`).toContain(v);
      }
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
