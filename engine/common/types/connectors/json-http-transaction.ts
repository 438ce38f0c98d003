import { httpVerbEffects } from "../../api/effects.ts";
import { defineType } from "../../model/typedef.ts";
import { commentProp, requestableProps } from "../shared-props.ts";
import { callHttp, httpRequestProps } from "./http-call.ts";

export { expandTemplate, requestUrl, UrlRefusal } from "./http-call.ts";

export const jsonHttpTransactionType = defineType({
  type: "JsonHttpTransaction",
  label: "JSON HTTP transaction",
  category: "transaction",
  effects: httpVerbEffects,
  icon: "transaction",
  description:
    "One HTTP call answered with JSON: verb, path template with {variable}, query/header/body variables, JSON (or form-encoded) body.",
  accepts: ["Variable", "TestCase"],
  onlyIn: ["HttpConnector"],
  version: 2,
  migrations: [
    {
      to: 2,
      // Both new properties default to what version 1 did: nothing saved before changes meaning.
      description:
        "bodyEncoding (json, form, text, xml) and errorStatus (fail, answer) added; their defaults (json, fail) are what version 1 did",
      up: (props) => props,
    },
  ],
  props: [commentProp, ...requestableProps, ...httpRequestProps("JSON")],
  execute: async (tx, connector, ctx) => {
    const { res, url, target, label } = await callHttp(tx, connector, ctx, "application/json");
    let data: unknown = null;
    if (res.body.trim() !== "") {
      try {
        data = JSON.parse(res.body);
      } catch {
        const type = res.headers["content-type"] ?? "no content type";
        return ctx.fail(
          "http_not_json",
          `Transaction ${label}: ${target} answered something that is not JSON (${type})`,
          { url, status: res.status, body: res.body.slice(0, 500) },
          502,
        );
      }
    }
    return { data, status: res.status, headers: res.headers };
  },
});
