/** The FullSync scenario, end to end (demo-scenario.ts), with its databases in memory. */
import { fullSyncDemoScenario } from "./demo-scenario.ts";

fullSyncDemoScenario("databases in memory", async () => ({ options: { inMemory: true }, stop: async () => {} }));
