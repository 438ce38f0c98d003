import { defineType } from "../../model/typedef.ts";
import { commentProp } from "../shared-props.ts";

export const sessionRemoveStep = defineType({
  type: "SessionRemove",
  label: "Session Remove",
  category: "step",
  effects: "write",
  icon: "session",
  description: "Removes a key from the caller's session.",
  accepts: [],
  props: [commentProp, { name: "key", label: "Key", kind: "string", required: true, help: "The session key." }],
  run: (ctx) => {
    ctx.session.delete(ctx.prop<string>("key"));
    return null;
  },
});
