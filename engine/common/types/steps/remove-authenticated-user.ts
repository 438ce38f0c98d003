import { defineType } from "../../model/typedef.ts";
import { commentProp } from "../shared-props.ts";

export const removeAuthenticatedUserStep = defineType({
  type: "RemoveAuthenticatedUser",
  label: "Remove Authenticated User",
  category: "step",
  effects: "write",
  icon: "user",
  description: "Removes the user (and their groups) from the caller's session.",
  accepts: [],
  props: [commentProp],
  run: (ctx) => {
    const user = ctx.session.user;
    ctx.session.removeUser();
    return { removed: user ?? null };
  },
});
