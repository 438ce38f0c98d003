/**
 * Convertigo's UIAttribute and UIStyle under a component (design ui-builder.md §8), on samples
 * taken from c8oprj-demo-banking's KeyPad page and Header_V2 shared component (mobile family).
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { walk, type ObjNode } from "../../../common/model/node.ts";
import { loadProject } from "../../project/project-files.ts";
import { importConvertigo, type ImportSummary } from "../import.ts";

const PROJECT = [
  "↑convertigo: 7.9.0.m006",
  "↓Sample [core.Project]: ",
  "  ↓MobileApplication [core.MobileApplication]: ",
  "    ↓Application [mobile.components.ApplicationComponent]: 🗏 mobileApplication.yaml",
  "",
].join("\n");
const APP = ["↓KeyPad [mobile.components.PageComponent-1580150924562]: 🗏 mobilePages/KeyPad.yaml", ""].join("\n");

/** A smart value property (attrValue, textValue) in the mobile family's block form. */
function smart(indent: string, prop: string, value: string): string[] {
  return [
    `${indent}${prop}: `,
    `${indent}  - xmlizable: `,
    `${indent}    - ↑classname: com.twinsoft.convertigo.beans.mobile.components.MobileSmartSourceType`,
    `${indent}    - MobileSmartSourceType: ${value}`,
  ];
}

const PAGE = [
  "↑isRoot: true",
  "segment: keypad",
  "title: KeyPad",
  // A Grid with a class attribute.
  "↓KeypadGrid [mobile.components.UIDynamicElement-1580220651914]: ",
  '  beanData: \'{"ionBean":"Grid"}\'',
  "  tagName: ion-grid",
  "  ↓Attr [mobile.components.UIAttribute-1580220839536]: ",
  "    attrName: class",
  ...smart("    ", "attrValue", "plain:keypad-grid"),
  // A column made tappable by an Angular attribute binding.
  "  ↓GridCol [mobile.components.UIDynamicElement-1580220682691]: ",
  '    beanData: \'{"ionBean":"GridCol"}\'',
  "    tagName: ion-col",
  "    ↓Attr [mobile.components.UIAttribute-1580230739371]: ",
  "      attrName: '[attr.tappable]'",
  ...smart("      ", "attrValue", "'script:this.local.keys && (this.local.keys[0] != '' '') ? ''tappable'' : null'"),
  // A button: Ionic 3's bare item-end attribute, and a Style of its own.
  "↓Button [mobile.components.UIDynamicElement-1580220138209]: ",
  '  beanData: \'{"ionBean":"Button"}\'',
  "  tagName: button",
  "  ↓Attr [mobile.components.UIAttribute-1580220138215]: ",
  "    attrName: ",
  ...smart("    ", "attrValue", "plain:item-end"),
  "  ↓Style [mobile.components.UIStyle-1580220138218]: ",
  "    styleContent: ",
  "      - xmlizable: ",
  "        - ↑classname: com.twinsoft.convertigo.beans.common.FormatedContent",
  "        - com.twinsoft.convertigo.beans.common.FormatedContent: ",
  "          →: |",
  "            '\tfont-size: 1.4rem !important;",
  "            \ttop: 18px !important;",
  "            '",
  // KeyPad's Effacer button: a custom action clearing the focused input.
  "  ↓Event [mobile.components.UIControlEvent-1580238890867]: ",
  "    ↓DeleteInput [mobile.components.UICustomAction-1580238899291]: ",
  "      actionValue: ",
  "        - xmlizable: ",
  "          - ↑classname: com.twinsoft.convertigo.beans.common.FormatedContent",
  "          - com.twinsoft.convertigo.beans.common.FormatedContent: ",
  "            →: |",
  "              '\t\tpage.c8o.log.debug(''[MB] ''+ props.actionFunction +'': ''+ props.actionName);",
  "              \t\tpage[page.local.focusedInput].value = ''''; /* cleared */",
  "              \t\tresolve();",
  "              '",
  // An icon coloured by an attribute naming a catalogue prop.
  "↓Icon [mobile.components.UIDynamicElement-1580220138212]: ",
  '  beanData: \'{"ionBean":"Icon","IconName":"plain:eye"}\'',
  "  tagName: ion-icon",
  "  ↓Attr [mobile.components.UIAttribute-1580220138300]: ",
  "    attrName: color",
  ...smart("    ", "attrValue", "plain:light"),
  // Header_V2's search bar, with a Style of its own.
  "↓SearchBar [mobile.components.UIDynamicElement-1580151212539]: ",
  '  beanData: \'{"ionBean":"Searchbar"}\'',
  "  tagName: ion-searchbar",
  "  ↓Style [mobile.components.UIStyle-1580151212542]: ",
  "    styleContent: ",
  "      - xmlizable: ",
  "        - ↑classname: com.twinsoft.convertigo.beans.common.FormatedContent",
  "        - com.twinsoft.convertigo.beans.common.FormatedContent: ",
  "          →: |",
  "            '\tbackground: none  !important;",
  "            '",
  // Header_V2's paragraph: Ionic 3's ion-text colouring, with no Atelier equivalent.
  "↓Paragraph [mobile.components.UIDynamicElement-1580151221738]: ",
  '  beanData: \'{"ionBean":"Paragraph"}\'',
  "  tagName: p",
  "  ↓Attr [mobile.components.UIAttribute-1580151221744]: ",
  "    attrName: color",
  ...smart("    ", "attrValue", "plain:light"),
  "  ↓Attr1 [mobile.components.UIAttribute-1580151221747]: ",
  "    attrName: ",
  ...smart("    ", "attrValue", "plain:ion-text"),
  "",
].join("\n");

let src: string;
let out: string;
let summary: ImportSummary;
let nodes: Map<string, ObjNode>;

beforeAll(async () => {
  src = await mkdtemp(path.join(os.tmpdir(), "c8o-attr-"));
  out = await mkdtemp(path.join(os.tmpdir(), "c8o-attr-ws-"));
  await mkdir(path.join(src, "_c8oProject/mobilePages"), { recursive: true });
  await writeFile(path.join(src, "c8oProject.yaml"), PROJECT);
  await writeFile(path.join(src, "_c8oProject/mobileApplication.yaml"), APP);
  await writeFile(path.join(src, "_c8oProject/mobilePages/KeyPad.yaml"), PAGE);
  summary = await importConvertigo(src, out, { env: {} });
  const { root, errors } = await loadProject(summary.projectDir);
  expect(errors).toEqual([]);
  nodes = new Map();
  walk(root, (n) => {
    nodes.set(n.id, n);
  });
});
afterAll(async () => {
  await rm(src, { recursive: true, force: true });
  await rm(out, { recursive: true, force: true });
});

const node = (id: string) => {
  const n = nodes.get(id);
  if (!n) throw new Error(`no object ${id}`);
  return n;
};

describe("Convertigo's attributes of a component", () => {
  it("folds a class into styleClass, Ionic 3's item-end into the slot, a prop's name into the inputs", () => {
    expect(node("1580220651914").props).toMatchObject({ component: "Grid", styleClass: "keypad-grid" });
    // A Button has no slot prop: the Component's own slot.
    expect(node("1580220138209").props).toMatchObject({ component: "Button", slot: "end" });
    expect(node("1580220138212").props.inputs).toEqual({ icon: "eye", color: "light" });
    for (const id of ["1580220839536", "1580220138215", "1580220138300"]) expect(nodes.has(id)).toBe(false);
  });

  it("drops Ionic 3's tappable marker, saying so on its element", () => {
    const col = node("1580220682691");
    expect(nodes.has("1580230739371")).toBe(false);
    expect(String(col.props.comment)).toContain("attribute [attr.tappable] (Attr): dropped");
  });

  it("keeps an attribute foreign when its element has no such property, naming both", () => {
    const color = node("1580151221744");
    expect(color.type).toBe("Foreign");
    expect(String(color.props.note)).toMatch(
      /the attribute color \(UIAttribute Attr\): Paragraph has no such property/,
    );
    const ionText = node("1580151221747");
    expect(ionText.type).toBe("Foreign");
    expect(String(ionText.props.note)).toContain(
      'the attribute "ion-text" (UIAttribute Attr1) has no Atelier equivalent',
    );
    expect(summary.ui.foreignByClass).toEqual({ "mobile.components.UIAttribute": 2 });
  });
});

describe("Convertigo's Style under a component", () => {
  it("moves its CSS to a page Style under a class the component gets", () => {
    const button = node("1580220138209");
    expect(button.props.styleClass).toBe("c8o-1580220138209");
    expect(String(button.props.comment)).toContain("moved to the enclosing ComponentStyles");
    expect(nodes.has("1580220138218")).toBe(false);
    const page = node("1580150924562");
    const style = page.children.find((c) => c.type === "Style")!;
    expect(style.name).toBe("ComponentStyles");
    expect(String(style.props.css)).toMatch(
      /^\.c8o-1580220138209 \{\n\s+font-size: 1\.4rem !important;\n\s+top: 18px !important;\n\}\n\n\.c8o-1580151212539 \{\n\s+background: none {2}!important;\n\}$/,
    );
  });

  it("imports Convertigo's Searchbar as the catalogue's Searchbar (IonSearchbar)", () => {
    expect(node("1580151212539").props).toMatchObject({ component: "Searchbar", styleClass: "c8o-1580151212539" });
  });
});

describe("Convertigo's custom action", () => {
  const STUB = "app/src/custom/imported/KeyPad-DeleteInput.ts";

  it("becomes a Custom action calling a stub that keeps its code and throws until it is ported", async () => {
    expect(node("1580238899291").props).toMatchObject({ action: "Custom", inputs: { function: "DeleteInput" } });
    const stub = await readFile(path.join(summary.projectDir, STUB), "utf8");
    // The original code, in a comment whose end its own `*/` cannot close early.
    expect(stub).toContain("page[page.local.focusedInput].value = ''; /* cleared *\\/");
    expect(stub).toContain("export const DeleteInput: CustomAction = () => {");
    const mod = (await import(path.join(summary.projectDir, STUB))) as { DeleteInput: () => unknown };
    expect(() => mod.DeleteInput()).toThrow(
      `not ported yet: Convertigo's custom action DeleteInput of KeyPad (${STUB})`,
    );
    const registry = await readFile(path.join(summary.projectDir, "app/src/custom/actions.ts"), "utf8");
    expect(registry).toContain('import { DeleteInput } from "./imported/KeyPad-DeleteInput.ts";');
    expect(registry).toMatch(/export const customActions: Record<string, CustomAction> = \{\n {2}DeleteInput,\n\};/);
    expect(summary.warnings.some((w) => w.includes(`its TypeScript is kept in ${STUB}`))).toBe(true);
  });
});
