import { defineType } from "../../model/typedef.ts";
import { commentProp } from "../shared-props.ts";
import { groupCall, groupProp, groupStore, stepGroup } from "./fullsync-groups-support.ts";

const LABEL = "Users Of Group";

export const fullSyncUsersOfStep = defineType({
  type: "FullSyncUsersOf",
  label: LABEL,
  category: "step",
  icon: "group",
  description: "The users of a FullSync group. Output: a list of user names.",
  accepts: [],
  props: [commentProp, groupProp],
  run: async (ctx) => {
    const store = groupStore(ctx, LABEL);
    const group = await stepGroup(ctx, LABEL);
    const users = await groupCall(ctx, LABEL, () => store.usersOf(group));
    return [...users].sort();
  },
});
