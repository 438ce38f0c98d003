import { defineType } from "../../model/typedef.ts";
import { commentProp } from "../shared-props.ts";
import { groupCall, groupProp, groupStore, stepGroup, stepUser, userProp } from "./fullsync-groups-support.ts";

const LABEL = "Remove User From Group";

export const fullSyncRemoveUserFromGroupStep = defineType({
  type: "FullSyncRemoveUserFromGroup",
  label: LABEL,
  category: "step",
  effects: "write",
  icon: "group",
  description: "Takes a user out of a FullSync group. Output: {user, group}.",
  accepts: [],
  props: [commentProp, userProp, groupProp],
  run: async (ctx) => {
    const store = groupStore(ctx, LABEL);
    const user = await stepUser(ctx, LABEL);
    const group = await stepGroup(ctx, LABEL);
    await groupCall(ctx, LABEL, () => store.removeUserFromGroup(user, group));
    return { user, group };
  },
});
