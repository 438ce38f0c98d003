import { defineType } from "../../model/typedef.ts";
import { commentProp, valueProps } from "../shared-props.ts";

export const sessionSetStep = defineType({
  type: "SessionSet",
  label: "Session Set",
  category: "step",
  effects: "write",
  icon: "session",
  description: "Stores a value in the caller's session under a key.",
  accepts: [],
  props: [
    commentProp,
    { name: "key", label: "Key", kind: "string", required: true, help: "The session key." },
    ...valueProps("the value to store"),
  ],
  run: async (ctx) => {
    const value = await ctx.value();
    ctx.session.set(ctx.prop<string>("key"), value);
    return value;
  },
});
