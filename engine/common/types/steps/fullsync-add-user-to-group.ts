import { defineType } from "../../model/typedef.ts";
import { commentProp } from "../shared-props.ts";
import { groupCall, groupProp, groupStore, stepGroup, stepUser, userProp } from "./fullsync-groups-support.ts";

const LABEL = "Add User To Group";

export const fullSyncAddUserToGroupStep = defineType({
  type: "FullSyncAddUserToGroup",
  label: LABEL,
  category: "step",
  effects: "write",
  icon: "group",
  description:
    "Puts a user in a FullSync group: they then see (and may write) the documents of that group. Output: {user, group}.",
  accepts: [],
  props: [commentProp, userProp, groupProp],
  run: async (ctx) => {
    const store = groupStore(ctx, LABEL);
    const user = await stepUser(ctx, LABEL);
    const group = await stepGroup(ctx, LABEL);
    await groupCall(ctx, LABEL, () => store.addUserToGroup(user, group));
    return { user, group };
  },
});
