import { httpVerbEffects } from "../../api/effects.ts";
import { defineType } from "../../model/typedef.ts";
import { commentProp, requestableProps } from "../shared-props.ts";
import { callHttp, httpRequestProps } from "./http-call.ts";

export const textHttpTransactionType = defineType({
  type: "TextHttpTransaction",
  label: "Text HTTP transaction",
  category: "transaction",
  effects: httpVerbEffects,
  icon: "transaction",
  description:
    "One HTTP call whose answer is kept as text (HTML, CSV, a token, an empty answer...): the answer's body, read as UTF-8, is the transaction's data.",
  accepts: ["Variable", "TestCase"],
  onlyIn: ["HttpConnector"],
  props: [commentProp, ...requestableProps, ...httpRequestProps("text")],
  execute: async (tx, connector, ctx) => {
    const { res } = await callHttp(tx, connector, ctx, "*/*");
    return { data: res.body, status: res.status, headers: res.headers };
  },
});
