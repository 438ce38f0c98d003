import { httpVerbEffects } from "../../api/effects.ts";
import { defineType } from "../../model/typedef.ts";
import { commentProp, requestableProps } from "../shared-props.ts";
import { callHttp, httpRequestProps } from "./http-call.ts";
import { elementsObject, elementValue, localName, parseXml, XmlError, type XmlElement } from "./xml-json.ts";

export const xmlHttpTransactionType = defineType({
  type: "XmlHttpTransaction",
  label: "XML HTTP transaction",
  category: "transaction",
  effects: httpVerbEffects,
  icon: "transaction",
  description:
    "One HTTP call answered with XML (REST or SOAP), read into JSON: the root element under its name, or the SOAP body's elements.",
  accepts: ["Variable", "TestCase"],
  onlyIn: ["HttpConnector"],
  props: [
    commentProp,
    ...requestableProps,
    ...httpRequestProps("XML"),
    {
      name: "ignoreSoapEnvelope",
      label: "Ignore the SOAP envelope",
      kind: "boolean",
      default: false,
      help: "Answer the elements of a SOAP answer's Body (e.g. {queryResponse: ...}) instead of {Envelope: {Body: ...}}. An answer without SOAP envelope is answered whole.",
      group: "XML",
    },
    {
      name: "errorOnSoapFault",
      label: "Error on SOAP fault",
      kind: "boolean",
      default: true,
      help: "A SOAP Fault in the answer's Body ends the call with an error (soap_fault) giving its faultstring; off, the Fault is answered like any element.",
      group: "XML",
    },
  ],
  execute: async (tx, connector, ctx) => {
    const { res, url, target, label } = await callHttp(
      tx,
      connector,
      ctx,
      "application/xml, text/xml;q=0.9, */*;q=0.5",
    );
    if (res.body.trim() === "") return { data: {}, status: res.status, headers: res.headers };
    let root: XmlElement;
    try {
      root = parseXml(res.body);
    } catch (e) {
      if (!(e instanceof XmlError)) throw e;
      const type = res.headers["content-type"] ?? "no content type";
      return ctx.fail(
        e.tooLarge ? "http_xml_too_large" : "http_not_xml",
        `Transaction ${label}: ${target} answered ${e.tooLarge ? "XML too large to read" : `something that is not XML (${type})`}: ${e.message}`,
        { url, status: res.status, body: res.body.slice(0, 500) },
        502,
      );
    }
    const body = soapBody(root);
    if (body && ctx.prop(tx, "errorOnSoapFault") !== false) {
      const fault = body.children.find((c): c is XmlElement => typeof c !== "string" && localName(c.name) === "Fault");
      if (fault) {
        const message = faultMessage(fault);
        return ctx.fail(
          "soap_fault",
          `Transaction ${label}: the Web Service returned a SOAP Fault: ${message}`,
          { url, status: res.status, fault: elementValue(fault) },
          502,
        );
      }
    }
    const data =
      body && ctx.prop(tx, "ignoreSoapEnvelope") === true
        ? elementsObject(body.children.filter((c): c is XmlElement => typeof c !== "string"))
        : { [localName(root.name)]: elementValue(root) };
    return { data, status: res.status, headers: res.headers };
  },
});

/** The Body of a SOAP envelope (1.1 or 1.2), if the document is one. */
function soapBody(root: XmlElement): XmlElement | undefined {
  if (localName(root.name) !== "Envelope") return undefined;
  return root.children.find((c): c is XmlElement => typeof c !== "string" && localName(c.name) === "Body");
}

/** A fault's text: faultstring (SOAP 1.1) or Reason/Text (SOAP 1.2). */
function faultMessage(fault: XmlElement): string {
  const text = (el: XmlElement): string => el.children.map((c) => (typeof c === "string" ? c : text(c))).join("");
  const child = (el: XmlElement, name: string) =>
    el.children.find((c): c is XmlElement => typeof c !== "string" && localName(c.name) === name);
  const s11 = child(fault, "faultstring");
  if (s11) return text(s11).trim();
  const reason = child(fault, "Reason");
  const t = reason && child(reason, "Text");
  return t ? text(t).trim() : "unknown reason";
}
