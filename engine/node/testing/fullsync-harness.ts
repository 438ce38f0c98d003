import type { EngineOptions } from "../engine.ts";
import { startEngineFullSync, type EngineFullSync } from "../fullsync/engine-fullsync.ts";
import { testWorkspace, type PlainObject, type TestWorkspace } from "./harness.ts";

export interface FullSyncTestWorkspace extends TestWorkspace {
  fullsync: EngineFullSync;
}

/**
 * A temporary workspace (project "P", see testWorkspace) opened by a real Engine with a real
 * FullSync server in memory: the databases of its FullSync connectors are declared. For tests.
 */
export async function fullSyncWorkspace(
  content: {
    sequences?: PlainObject[];
    connectors?: PlainObject[];
    settings?: PlainObject[];
    projectProps?: Record<string, unknown>;
  },
  opts: Partial<EngineOptions> = {},
): Promise<FullSyncTestWorkspace> {
  const ws = await testWorkspace(content, opts);
  let fullsync: EngineFullSync | undefined;
  try {
    fullsync = await startEngineFullSync(ws.engine, { inMemory: true });
    if (!fullsync) throw new Error("FullSync did not start");
  } catch (e) {
    await ws.close();
    throw e;
  }
  const started = fullsync;
  return {
    ...ws,
    fullsync: started,
    close: async () => {
      await started.close();
      await ws.close();
    },
  };
}
