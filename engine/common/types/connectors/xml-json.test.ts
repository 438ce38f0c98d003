import { describe, expect, it } from "vitest";
import { elementValue, elementsObject, parseXml, XmlError } from "./xml-json.ts";

// Answers as the services lib_s3 and lib_Salesforce call write them (shapes from their documentation).
const LIST_BUCKETS = `<?xml version="1.0" encoding="UTF-8"?>
<ListAllMyBucketsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
  <Owner><ID>bcaf1ffd86f41161ca5fb16fd081034f</ID><DisplayName>webfile</DisplayName></Owner>
  <Buckets>
    <Bucket><Name>quotes</Name><CreationDate>2006-02-03T16:45:09.000Z</CreationDate></Bucket>
    <Bucket><Name>samples</Name><CreationDate>2006-02-03T16:41:58.000Z</CreationDate></Bucket>
  </Buckets>
</ListAllMyBucketsResult>`;

const SF_QUERY = `<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns="urn:partner.soap.sforce.com" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:sf="urn:sobject.partner.soap.sforce.com"><soapenv:Body><queryResponse><result xsi:type="QueryResult"><done>true</done><queryLocator xsi:nil="true"/><records xsi:type="sf:sObject"><sf:type>Account</sf:type><sf:Id>001xx000003DGb2AAG</sf:Id><sf:Name>Acme &amp; Co</sf:Name></records><size>1</size></result></queryResponse></soapenv:Body></soapenv:Envelope>`;

describe("XML read into JSON", () => {
  it("S3's ListAllMyBucketsResult: repeated elements become a list, the namespace is left out", () => {
    const root = parseXml(LIST_BUCKETS);
    expect(root.name).toBe("ListAllMyBucketsResult");
    expect(elementValue(root)).toEqual({
      Owner: { ID: "bcaf1ffd86f41161ca5fb16fd081034f", DisplayName: "webfile" },
      Buckets: {
        Bucket: [
          { Name: "quotes", CreationDate: "2006-02-03T16:45:09.000Z" },
          { Name: "samples", CreationDate: "2006-02-03T16:41:58.000Z" },
        ],
      },
    });
  });

  it("a Salesforce SOAP answer: prefixes dropped, xsi:type kept, xsi:nil read as null, entities decoded", () => {
    const root = parseXml(SF_QUERY);
    const body = (root.children[0] as { children: unknown[] }).children as Parameters<typeof elementsObject>[0];
    expect(elementsObject(body)).toEqual({
      queryResponse: {
        result: {
          "xsi:type": "QueryResult",
          done: "true",
          queryLocator: null,
          records: { "xsi:type": "sf:sObject", type: "Account", Id: "001xx000003DGb2AAG", Name: "Acme & Co" },
          size: "1",
        },
      },
    });
  });

  it("reads attributes, CDATA, character references and text beside elements", () => {
    const v = elementValue(parseXml(`<a id='1' note="x &#x26; &#60;y&gt;"><![CDATA[<raw>]]> and <b/>text</a>`));
    expect(v).toEqual({ id: "1", note: "x & <y>", b: "", text: "<raw> and text" });
  });

  it("keeps an element named __proto__ as data, never as a prototype", () => {
    const v = elementValue(parseXml("<r><__proto__><polluted>yes</polluted></__proto__><a>1</a></r>")) as Record<
      string,
      unknown
    >;
    expect(Object.getPrototypeOf(v)).toBe(Object.prototype);
    expect(Object.keys(v)).toEqual(["__proto__", "a"]);
    expect(JSON.parse(JSON.stringify(v))).toEqual(JSON.parse('{"__proto__": {"polluted": "yes"}, "a": "1"}'));
    expect((v as { polluted?: unknown }).polluted).toBeUndefined();
  });

  it("skips what precedes the first element, as Convertigo does", () => {
    expect(elementValue(parseXml("\ufeffjunk <r>ok</r>"))).toBe("ok");
  });

  it("never applies a DTD: a declared entity is refused (no billion laughs, no external entity)", () => {
    const lol = `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]><lolz>&lol2;</lolz>`;
    expect(() => parseXml(lol)).toThrow(/&lol2; is not one of XML's predefined entities/);
    const xxe = `<!DOCTYPE foo [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><foo>&xxe;</foo>`;
    expect(() => parseXml(xxe)).toThrow(XmlError);
  });

  it("bounds size, depth and element count", () => {
    const limits = { maxChars: 1000, maxDepth: 5, maxElements: 10 };
    expect(() => parseXml(`<a>${"x".repeat(1000)}</a>`, limits)).toThrow(/larger than 1000 characters/);
    expect(() => parseXml("<a><a><a><a><a><a/></a></a></a></a></a>", limits)).toThrow(/deeper than 5/);
    expect(() => parseXml(`<r>${"<i/>".repeat(10)}</r>`, limits)).toThrow(/more than 10 elements/);
    try {
      parseXml(`<r>${"<i/>".repeat(10)}</r>`, limits);
    } catch (e) {
      expect((e as XmlError).tooLarge).toBe(true);
    }
  });

  it("says where malformed XML breaks", () => {
    expect(() => parseXml("<a><b></a>")).toThrow(/<\/a> closes <b> \(at character 9\)/);
    expect(() => parseXml("<a x=1/>")).toThrow(/the value of x must be quoted/);
    expect(() => parseXml("<a>&</a>")).toThrow(/"&" must start a reference/);
    expect(() => parseXml("<a/><b/>")).toThrow(/a second root element/);
    expect(() => parseXml("<a>")).toThrow(/<a> is not closed/);
    expect(() => parseXml("not xml")).toThrow(/no XML element/);
  });
});
