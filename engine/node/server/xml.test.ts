import { describe, expect, it } from "vitest";
import { toXmlDocument, xmlName } from "./xml.ts";

describe("XML answers", () => {
  it("write typed elements, arrays as items, nulls and escapes", () => {
    const xml = toXmlDocument({
      name: "a<b&c",
      n: 1.5,
      ok: true,
      list: [1, "x"],
      empty: {},
      nothing: null,
      nested: { k: "v" },
    });
    expect(xml).toBe(
      [
        '<?xml version="1.0" encoding="UTF-8"?>',
        "<document>",
        "  <name>a&lt;b&amp;c</name>",
        '  <n type="number">1.5</n>',
        '  <ok type="boolean">true</ok>',
        '  <list type="array">',
        '    <item type="number">1</item>',
        "    <item>x</item>",
        "  </list>",
        '  <empty type="object"/>',
        '  <nothing type="null"/>',
        '  <nested type="object">',
        "    <k>v</k>",
        "  </nested>",
        "</document>",
        "",
      ].join("\n"),
    );
  });
  it("turns keys that are not XML names into valid names, keeping the key", () => {
    expect(xmlName("1st")).toBe("_1st");
    expect(xmlName("a b")).toBe("a_b");
    expect(xmlName("xmlThing")).toBe("_xmlThing");
    expect(toXmlDocument({ "a b": 1 })).toContain('<a_b key="a b" type="number">1</a_b>');
  });
});
