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

describe("XML answers hold only characters XML can", () => {
  it("writes U+FFFE, U+FFFF, C0 controls and lone surrogates as U+FFFD, keeping pairs, tabs and line breaks", () => {
    const xml = toXmlDocument({ t: "a\ufffeb\uffffc\u0001d\ud800e\udc00f\u{1F600}g\th\ni" });
    expect(xml).toContain("<t>a\ufffdb\ufffdc\ufffdd\ufffde\ufffdf\u{1F600}g\th\ni</t>");
  });
  it("keeps keys readable in the key attribute, escaped, with tabs and line breaks as references", () => {
    const xml = toXmlDocument({ 'a"\t\n\ufffe<': 1 });
    expect(xml).toContain('<a_____ key="a&quot;&#9;&#10;\ufffd&lt;" type="number">1</a_____>');
    expect(/^[\t\n\r\u0020-\ud7ff\ue000-\ufffd\u{10000}-\u{10ffff}]*$/u.test(xml)).toBe(true);
  });
});
