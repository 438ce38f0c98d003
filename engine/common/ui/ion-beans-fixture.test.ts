/**
 * testdata/ion-beans.json is what Convertigo's sources say: the part of ion_objects.json (both
 * families: ngx and the older mobile) and of UIControlEvent's event names that the UI catalogues
 * name, so that convertigo-names.test.ts checks the catalogues without Convertigo's sources.
 *
 * Needs a git copy of convertigo/convertigo (default: the bare mirror below, read at HEAD;
 * ATELIER_CONVERTIGO_GIT names another); skipped without it (CI). After adding a Convertigo name
 * to a catalogue, rewrite the fixture:
 *
 *   ATELIER_UPDATE_ION_BEANS=1 npx vitest run engine/common/ui/ion-beans-fixture.test.ts
 */
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { format } from "prettier";
import { describe, expect, it } from "vitest";
import { uiActions } from "./actions.ts";
import { uiComponents } from "./catalogue.ts";

const gitDir = process.env.ATELIER_CONVERTIGO_GIT ?? "/work/.mirror/convertigo+convertigo/repo";
const FIXTURE = path.join(path.dirname(fileURLToPath(import.meta.url)), "testdata", "ion-beans.json");
const BASE = "engine/src/com/twinsoft/convertigo/beans";
const FILES = {
  ngx: `${BASE}/ngx/components/dynamic/ion_objects.json`,
  mobile: `${BASE}/mobile/components/dynamic/ion_objects.json`,
  controlEvent: `${BASE}/ngx/components/UIControlEvent.java`,
};

const git = (...args: string[]) =>
  execFileSync("git", ["-C", gitDir, ...args], { encoding: "utf8", maxBuffer: 1 << 26 });

/** ion_objects.json is JSON with comments and trailing commas. */
function parseLooseJson(text: string): unknown {
  let out = "";
  for (let i = 0; i < text.length;) {
    const c = text[i]!;
    if (c === '"') {
      const start = i++;
      while (i < text.length && text[i] !== '"') i += text[i] === "\\" ? 2 : 1;
      out += text.slice(start, ++i);
    } else if (c === "/" && text[i + 1] === "/") {
      while (i < text.length && text[i] !== "\n") i++;
    } else if (c === "/" && text[i + 1] === "*") {
      i = text.indexOf("*/", i + 2) + 2;
    } else {
      out += c;
      i++;
    }
  }
  return JSON.parse(out.replace(/,(\s*[}\]])/g, "$1"));
}

interface RawBean {
  properties?: Record<string, unknown>;
  events?: Record<string, unknown>;
}
interface RawObjects {
  Props: Record<string, { values?: unknown[] }>;
  Beans: Record<string, RawBean>;
}

/** The beanData keys the catalogues name: their allowed values are kept (the others' are not needed). */
const namedKeys = new Set(
  [
    ...uiComponents.flatMap((c) => Object.values(c.props)),
    ...uiActions.flatMap((a) => Object.values(a.inputs)),
  ].flatMap((p) => (p.convertigo === undefined ? [] : [p.convertigo].flat())),
).add("verb"); // CallFullSyncAction's, mapped by convertigoVerbs

/** A bean's props: key → its allowed values (null when free or not named), shared models resolved. */
function beanProps(objects: RawObjects, bean: RawBean): Record<string, unknown[] | null> {
  const props: Record<string, unknown[] | null> = {};
  for (const [key, value] of Object.entries(bean.properties ?? {})) {
    const model = typeof value === "object" && value !== null ? (value as { values?: unknown[] }) : objects.Props[key];
    props[key] = (namedKeys.has(key) && model?.values) || null;
  }
  return props;
}

async function extract(): Promise<string> {
  const commit = git("rev-parse", "HEAD").trim();
  const families = {
    ngx: parseLooseJson(git("show", `HEAD:${FILES.ngx}`)) as RawObjects,
    mobile: parseLooseJson(git("show", `HEAD:${FILES.mobile}`)) as RawObjects,
  };
  const java = git("show", `HEAD:${FILES.controlEvent}`);
  const start = java.indexOf("enum AttrEvent");
  const controlEvents = [...java.slice(start, java.indexOf(";", start)).matchAll(/^\s*([A-Za-z]+)\("/gm)].map(
    (m) => m[1]!,
  );

  const wanted = new Set([...uiComponents.flatMap((c) => c.convertigo), ...uiActions.flatMap((a) => a.convertigo)]);
  const beans: Record<string, { families: string[]; properties: Record<string, unknown[] | null>; events: string[] }> =
    {};
  for (const name of [...wanted].sort()) {
    for (const [family, objects] of Object.entries(families)) {
      const bean = objects.Beans[name];
      if (!bean) continue;
      const entry = (beans[name] ??= { families: [], properties: {}, events: [] });
      entry.families.push(family);
      entry.properties = { ...beanProps(objects, bean), ...entry.properties };
      entry.events = [...new Set([...entry.events, ...Object.keys(bean.events ?? {})])];
    }
  }
  const out = { source: { repository: "convertigo/convertigo", commit, files: FILES }, controlEvents, beans };
  return format(JSON.stringify(out), { parser: "json", printWidth: 120 });
}

const haveSources = existsSync(gitDir);

describe("testdata/ion-beans.json", () => {
  it.skipIf(!haveSources)(`is what Convertigo's sources say (${gitDir})`, async () => {
    const extracted = await extract();
    if (process.env.ATELIER_UPDATE_ION_BEANS === "1") writeFileSync(FIXTURE, extracted);
    expect(JSON.parse(extracted)).toEqual(JSON.parse(readFileSync(FIXTURE, "utf8")));
  });

  it.skipIf(haveSources)("cannot be compared: no copy of Convertigo's sources here (the fixture is used as is)", () => {
    expect(existsSync(FIXTURE)).toBe(true);
  });
});
