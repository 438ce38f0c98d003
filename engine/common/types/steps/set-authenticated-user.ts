import { defineType } from "../../model/typedef.ts";
import { commentProp, valueProps } from "../shared-props.ts";

export const setAuthenticatedUserStep = defineType({
  type: "SetAuthenticatedUser",
  label: "Set Authenticated User",
  category: "step",
  effects: "write",
  icon: "user",
  description: "Puts a user in the caller's session: later calls of the session (and FullSync) act as this user.",
  accepts: [],
  props: [
    commentProp,
    ...valueProps("the user name"),
    {
      name: "groups",
      label: "Groups",
      kind: "expression",
      help: "A JavaScript expression giving a list of groups to add to the session's groups.",
      group: "Value",
    },
  ],
  run: async (ctx) => {
    const user = await ctx.value();
    if (typeof user !== "string" || user === "") {
      return ctx.fail(
        "invalid_user",
        `Set Authenticated User "${ctx.node.name}": the user must be a non-empty text`,
        { user },
        500,
      );
    }
    const groupsExpr = ctx.prop<string>("groups");
    let groups: string[] | undefined;
    if (groupsExpr) {
      const g = await ctx.evaluate(groupsExpr, `groups of "${ctx.node.name}"`);
      groups = (Array.isArray(g) ? g : [g]).filter((x) => x !== undefined && x !== null).map(String);
    }
    ctx.session.setUser(user, groups);
    return { user, groups: [...ctx.session.groups] };
  },
});
