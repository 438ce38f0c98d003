import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { C8O_DEFAULT_PASSPHRASE, cipherC8o, decipherC8o, looksCiphered } from "./c8o-crypto.ts";
import { readSmartType, readVector } from "./c8o-values.ts";
import { C8oFormatError, readC8oProject } from "./c8o-yaml.ts";
import { jsInteropProblems } from "./map/js-interop.ts";
import { parsePlainXPath, toJsAccessor, toJsonPath } from "./xpath.ts";

const temps: string[] = [];
afterAll(async () => {
  for (const d of temps) await rm(d, { recursive: true, force: true });
});

async function project(files: Record<string, string | Buffer>): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "c8o-yaml-"));
  temps.push(dir);
  for (const [rel, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, rel)), { recursive: true });
    await writeFile(path.join(dir, rel), text);
  }
  return dir;
}

describe("readC8oProject: Convertigo's line grammar", () => {
  it("reads quotes, multi-line values, attributes, texts and nested elements", async () => {
    const dir = await project({
      "c8oProject.yaml": [
        "\uFEFF↑convertigo: 8.0.0.m006",
        "↓P [core.Project]: ",
        "  comment: 'it''s: quoted'",
        "  text: |",
        "    'first line",
        "    ",
        "",
        "    it''s the last'",
        "  empty:",
        "  ↓S [sequences.GenericSequence]: ",
        "    ↑default: true",
        "    →→: a text of the object",
        "    docdata: ",
        "      →: |",
        "        {",
        '          "a": 1',
        "        }",
        "    message: ",
        "      - xmlizable: ",
        "        - ↑classname: com.twinsoft.convertigo.beans.steps.SmartType",
        "        - SmartType: ",
        "          - ↑mode: JS",
        "          - →→: |",
        '            \'"x" +',
        "            y'",
        "    vec: ",
        "      - xmlizable: ",
        "        - ↑classname: com.twinsoft.convertigo.beans.common.XMLVector",
        "        - com.twinsoft.convertigo.beans.common.XMLVector: ",
        "          - java.lang.String: ",
        "            - ↑value: 123",
        "          - java.lang.String: ",
        "            - ↑value: ./a/text()",
      ].join("\r\n"),
    });
    const src = await readC8oProject(dir);
    expect(src.version).toBe("8.0.0.m006");
    expect(src.objectCount).toBe(2);
    const p = src.project;
    expect(p.props.map((x) => [x.name, x.value])).toEqual([
      ["comment", "it's: quoted"],
      ["text", "first line\n\n\nit's the last"],
      ["empty", ""],
    ]);
    const s = p.children[0]!;
    expect(s.location).toEqual({ file: "c8oProject.yaml", line: 10 });
    expect(s.attrs).toEqual([["default", "true"]]);
    expect(s.texts).toEqual([{ kind: "→→", value: "a text of the object" }]);
    expect(s.props[0]).toMatchObject({ name: "docdata", value: [{ "→": '{\n  "a": 1\n}' }] });
    expect(readSmartType(s.props[1]!.value, { mode: "PLAIN", text: "" })).toEqual({ mode: "JS", text: '"x" +\ny' });
    expect(readVector(s.props[2]!.value)).toEqual(["123", "./a/text()"]);
  });

  it("reads bodies from sub-files and warns of an unclosed quote", async () => {
    const dir = await project({
      "c8oProject.yaml":
        "↑convertigo: 7.9.0\n↓P [core.Project]: \n  ↓S [sequences.GenericSequence]: 🗏 sequences/S.yaml\n",
      "_c8oProject/sequences/S.yaml": "↑default: true\ncomment: 'oops\n↓Log [steps.LogStep-42]: \n  level: WARN",
    });
    const src = await readC8oProject(dir);
    const s = src.project.children[0]!;
    expect(s.bodyFile).toBe("_c8oProject/sequences/S.yaml");
    expect(s.children[0]).toMatchObject({
      name: "Log",
      cls: "steps.LogStep",
      priority: "42",
      location: { file: "_c8oProject/sequences/S.yaml", line: 3 },
    });
    expect(src.files).toEqual(["c8oProject.yaml", "_c8oProject/sequences/S.yaml"]);
    expect(src.warnings[0]).toMatch(/^_c8oProject\/sequences\/S\.yaml:2: a quoted value does not end/);
  });

  it("refuses sub-files outside _c8oProject and files without a project", async () => {
    const escape = await project({
      "c8oProject.yaml": "↓P [core.Project]: \n  ↓S [sequences.GenericSequence]: 🗏 ../../etc/passwd\n",
    });
    await expect(readC8oProject(escape)).rejects.toThrow(
      /c8oProject\.yaml:2: the sub-file .* is not inside _c8oProject/,
    );
    const none = await project({ "c8oProject.yaml": "↑convertigo: 8.0.0\n" });
    await expect(readC8oProject(none)).rejects.toThrow(C8oFormatError);
    const missing = await project({});
    await expect(readC8oProject(missing)).rejects.toThrow(/c8oProject\.yaml: the file does not exist/);
  });
});

describe("XPath sources to JSON paths", () => {
  it("translates plain child paths and refuses the rest", () => {
    expect(parsePlainXPath("./document/rows/item/text()")).toEqual({
      segments: ["document", "rows", "item"],
      guessed: [],
    });
    expect(parsePlainXPath("./a[3]/@size")?.segments).toEqual(["a", 2, "size"]);
    expect(parsePlainXPath("./a[1]/text()")?.guessed).toHaveLength(1);
    expect(parsePlainXPath("./text()")?.segments).toEqual([]);
    for (const bad of ["./a/*", './a[.="x"]', "//a", "../a", "./a/count(b)", "/abs"]) {
      expect(parsePlainXPath(bad), bad).toBeUndefined();
    }
    expect(toJsonPath(["data", "rows", 0, "a b"])).toBe('data.rows[0]["a b"]');
    expect(toJsAccessor("item", ["key", "x-y", 1])).toBe('item.key["x-y"][1]');
  });
});

describe("Convertigo ciphered values", () => {
  it("deciphers with the default passphrase (Convertigo's own default for an empty password)", () => {
    // The ciphered empty password that Convertigo's HttpConnector has by default.
    expect(decipherC8o("xd8e180806a1c1d83a6255212121ab827")).toBe("");
    const c = cipherC8o("pa$$wörd");
    expect(looksCiphered(c)).toBe(true);
    expect(decipherC8o(c, C8O_DEFAULT_PASSPHRASE)).toBe("pa$$wörd");
    expect(decipherC8o(c, "another")).toBeUndefined();
    expect(decipherC8o("xnot-hex")).toBeUndefined();
  });

  it("finds JavaScript that needs a rewrite", () => {
    expect(jsInteropProblems("var f = new java.io.File(x);")[0]).toMatch(/Java interop \(java\.io\.File\)/);
    expect(jsInteropProblems("Packages.com.foo.Bar")[0]).toMatch(/Packages\.com\.foo/);
    expect(jsInteropProblems("context.httpServletRequest.getHeader('a')")[0]).toMatch(/context\.httpServletRequest/);
    expect(jsInteropProblems("org.apache.commons.codec.binary.Hex.encodeHex(b)")[0]).toMatch(/org\.apache\.commons/);
    // What the sandbox provides (runtime/convertigo-js.ts) is not flagged.
    const provided = [
      'log.warn("x"); log.message("y"); log.debug(1);',
      'context.httpSession.getAttribute("a"); context.httpSession.setAttribute("a", 1);',
      'context.addTextNodeUnderRoot("ok", true); context.projectName;',
      "org.apache.commons.codec.digest.DigestUtils.sha256Hex(user + ':' + group);",
      "java.lang.System.currentTimeMillis(); java.util.UUID.randomUUID().toString();",
      "com.twinsoft.convertigo.engine.util.Base64.encodeString(k);",
    ];
    for (const code of provided) expect(jsInteropProblems(code), code).toEqual([]);
    expect(jsInteropProblems("var javaScore = obj.java; log('ok'); myContext.x")).toEqual([]);
  });
});
