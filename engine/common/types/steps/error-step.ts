import { defineType } from "../../model/typedef.ts";
import { commentProp } from "../shared-props.ts";

export const errorStep = defineType({
  type: "Error",
  label: "Error",
  category: "step",
  icon: "error",
  description: "Ends the sequence with an error {code, message, details}.",
  accepts: [],
  props: [
    commentProp,
    { name: "code", label: "Code", kind: "string", default: "1", help: "The error code callers test." },
    { name: "message", label: "Message", kind: "string", default: "", help: "The error message (may use ${setting})." },
    {
      name: "messageExpression",
      label: "Message expression",
      kind: "expression",
      help: "A JavaScript expression for the message, used instead of Message when set.",
    },
    {
      name: "details",
      label: "Details",
      kind: "expression",
      help: "A JavaScript expression giving details (any JSON value).",
    },
    {
      name: "httpStatus",
      label: "HTTP status",
      kind: "integer",
      default: 500,
      min: 400,
      max: 599,
      help: "The status an HTTP caller receives.",
    },
  ],
  run: async (ctx) => {
    const expr = ctx.prop<string>("messageExpression");
    const message = expr
      ? String(await ctx.evaluate(expr, `message of Error "${ctx.node.name}"`))
      : (ctx.prop<string>("message") ?? "");
    const detailsExpr = ctx.prop<string>("details");
    const details = detailsExpr ? await ctx.evaluate(detailsExpr, `details of Error "${ctx.node.name}"`) : undefined;
    const code = String(ctx.prop("code") ?? "1");
    // Numeric codes are answered as numbers, as Convertigo clients expect ({"code": 42}).
    return ctx.fail(
      /^-?\d{1,15}$/.test(code) ? Number(code) : code,
      message,
      details,
      ctx.prop<number>("httpStatus") ?? 500,
    );
  },
});
