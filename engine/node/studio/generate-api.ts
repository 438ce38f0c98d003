import { generateMapper, summarize, type GeneratedApiSummary } from "../../common/api/generate-mapper.ts";
import type { ChangeResult } from "../../common/studio/api.ts";
import type { Engine } from "../engine.ts";
import { StudioError, type StudioService } from "./studio-service.ts";

/**
 * The Studio's "Generate REST API from sequences": the project's REST API proposed from its
 * sequences (engine/common/api/generate-mapper.ts) and added as one undoable paste: a new
 * UrlMapper into the project, or new paths into its existing one (which is not changed). The
 * change selects what was added.
 */
export async function generateRestApi(
  engine: Engine,
  service: StudioService,
  project: string,
  origin: string | undefined,
): Promise<ChangeResult & GeneratedApiSummary> {
  const p = engine.workspace.get(project);
  if (!p) throw new StudioError(404, "unknown_project", `There is no project named "${project}"`);
  const plan = generateMapper(p.root);
  if (plan.nodes.length === 0) return { deltas: [], history: service.historyState(), ...summarize(plan) };
  const change = await service.paste(
    project,
    { parent: plan.parent, nodes: plan.nodes },
    origin,
    plan.created ? "Generate REST API" : "Add sequences to the REST API",
  );
  return { ...change, ...summarize(plan) };
}
