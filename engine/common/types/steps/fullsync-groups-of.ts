import { defineType } from "../../model/typedef.ts";
import { commentProp } from "../shared-props.ts";
import { groupStore, stepUser, userProp } from "./fullsync-groups-support.ts";

const LABEL = "Groups Of User";

export const fullSyncGroupsOfStep = defineType({
  type: "FullSyncGroupsOf",
  label: LABEL,
  category: "step",
  icon: "group",
  description: "The FullSync groups of a user (the session's user by default). Output: a list of group names.",
  accepts: [],
  props: [commentProp, userProp],
  run: async (ctx) => {
    const store = groupStore(ctx, LABEL);
    const user = await stepUser(ctx, LABEL);
    return [...store.groupsOf(user)].sort();
  },
});
