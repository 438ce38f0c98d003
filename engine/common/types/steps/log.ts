import type { LogLevel } from "../../model/typedef.ts";
import { defineType } from "../../model/typedef.ts";
import { commentProp, valueProps } from "../shared-props.ts";

export const logStep = defineType({
  type: "Log",
  label: "Log",
  category: "step",
  icon: "log",
  description: "Writes a message to the engine log (secrets are masked).",
  accepts: [],
  props: [
    commentProp,
    {
      name: "level",
      label: "Level",
      kind: "enum",
      values: ["debug", "info", "warn", "error"],
      default: "info",
      help: "The log level.",
    },
    ...valueProps("the message"),
  ],
  run: async (ctx) => {
    const value = await ctx.value();
    const text = typeof value === "string" ? value : JSON.stringify(value);
    ctx.log((ctx.prop<LogLevel>("level") ?? "info") as LogLevel, text ?? "");
    return text;
  },
});
