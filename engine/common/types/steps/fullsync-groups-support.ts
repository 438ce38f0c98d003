/** What the FullSync group steps share (not an object type). */
import { checkPrincipalName, type FullSyncGroupsApi } from "../../model/fullsync.ts";
import type { PropDef } from "../../model/props.ts";
import type { StepContext } from "../../model/typedef.ts";

export const userProp: PropDef = {
  name: "user",
  label: "User",
  kind: "expression",
  help: 'A JavaScript expression giving the user name, e.g. user or "alice". Empty: the session\'s authenticated user.',
};

export const groupProp: PropDef = {
  name: "group",
  label: "Group",
  kind: "expression",
  required: true,
  help: 'A JavaScript expression giving the group name, e.g. "sales" or vars.group.',
};

/** The group store, or a clear failure when FullSync is not running. */
export function groupStore(ctx: StepContext, label: string): FullSyncGroupsApi {
  const service = ctx.services.fullsync;
  if (!service) {
    return ctx.fail(
      "fullsync_unavailable",
      ctx.services.fullsyncDown
        ? `${label} "${ctx.node.name}": FullSync did not start in this engine (${ctx.services.fullsyncDown}), so its groups cannot be reached`
        : `${label} "${ctx.node.name}": FullSync is not running in this engine, so its groups cannot be reached (serve the workspace: atelier serve)`,
      undefined,
      503,
    );
  }
  return service.groups;
}

/** The user the step is about: its expression's value, or the session's user. */
export async function stepUser(ctx: StepContext, label: string): Promise<string> {
  const expr = ctx.prop<string>("user");
  const value =
    expr && expr.trim() !== "" ? await ctx.evaluate(expr, `user of ${label} "${ctx.node.name}"`) : ctx.session.user;
  if (value === undefined || value === null) {
    return ctx.fail(
      "missing_user",
      `${label} "${ctx.node.name}": no user given and the session has no authenticated user`,
      undefined,
      400,
    );
  }
  const problem = checkPrincipalName(value, `${label} "${ctx.node.name}": the user`);
  if (problem) return ctx.fail("invalid_user", problem, { user: value }, 400);
  ctx.input("user", value);
  return value as string;
}

/** The group the step is about. */
export async function stepGroup(ctx: StepContext, label: string): Promise<string> {
  const value = await ctx.evaluate(ctx.prop<string>("group"), `group of ${label} "${ctx.node.name}"`);
  const problem = checkPrincipalName(value, `${label} "${ctx.node.name}": the group`);
  if (problem) return ctx.fail("invalid_group", problem, { group: value }, 400);
  ctx.input("group", value);
  return value as string;
}

/** Runs a group store operation; its errors end the run naming the step. */
export async function groupCall<T>(ctx: StepContext, label: string, op: () => Promise<T>): Promise<T> {
  try {
    return await op();
  } catch (e) {
    // The database FullSync stands on cannot be used (502/503/504): a back end's failure.
    const status = (e as { status?: unknown } | undefined)?.status;
    const backend = status === 502 || status === 503 || status === 504 ? status : undefined;
    return ctx.fail(
      backend === 504 ? "fullsync_timeout" : backend ? "fullsync_unavailable" : "fullsync_groups_error",
      `${label} "${ctx.node.name}": ${(e as Error).message ?? String(e)}`,
      undefined,
      backend ?? 500,
    );
  }
}
