import { defineType } from "../../model/typedef.ts";
import { commentProp } from "../shared-props.ts";

export const sessionGetStep = defineType({
  type: "SessionGet",
  label: "Session Get",
  category: "step",
  icon: "session",
  description: "Reads a value of the caller's session; its output is the value (null when absent).",
  accepts: [],
  props: [
    commentProp,
    { name: "key", label: "Key", kind: "string", required: true, help: "The session key." },
    { name: "default", label: "Default", kind: "json", help: "The output when the session has no such key." },
  ],
  run: (ctx) => {
    const value = ctx.session.get(ctx.prop<string>("key"));
    return value === undefined ? (ctx.prop("default") ?? null) : value;
  },
});
