import type { ServerResponse } from "node:http";
import type { Engine } from "../../engine.ts";
import type { StudioRuns } from "../runs.ts";
import type { StudioService } from "../studio-service.ts";
import type { StudioOptions } from "../studio-plugin.ts";

/** What the Studio's route handlers work with. */
export interface StudioContext {
  engine: Engine;
  service: StudioService;
  runs: StudioRuns;
  opts: StudioOptions;
  /** Open streams (runs, events), ended when the server closes. */
  streams: Set<ServerResponse>;
}
