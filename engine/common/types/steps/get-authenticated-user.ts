import { defineType } from "../../model/typedef.ts";
import { commentProp } from "../shared-props.ts";

export const getAuthenticatedUserStep = defineType({
  type: "GetAuthenticatedUser",
  label: "Get Authenticated User",
  category: "step",
  icon: "user",
  description:
    "Reads the user of the caller's session (set by Set Authenticated User); its output is the user name, null when the session has none.",
  accepts: [],
  output: "value",
  props: [
    commentProp,
    {
      name: "addToResponse",
      label: "Add to the response",
      kind: "boolean",
      default: true,
      help: "Also adds the user (null when none) to the response under the step's name, as Convertigo's step does by default (its output flag).",
    },
  ],
  run: (ctx) => {
    const user = ctx.session.user ?? null;
    if (ctx.prop<boolean>("addToResponse")) ctx.emit(ctx.node.name, user);
    return user;
  },
});
