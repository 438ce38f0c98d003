import type { RunStreamEvent, TestResult } from "../../../common/studio/api.ts";
import { listTestCases, runTestCase } from "../../test-cases/test-cases.ts";
import { StudioError } from "../studio-service.ts";
import type { StudioContext } from "./context.ts";
import type { StudioHandlers } from "./register.ts";

/** Runs (a stream of newline-delimited JSON events, the run id first), the debugger, test cases. */
export function runRoutes(ctx: StudioContext) {
  const { engine, runs, streams } = ctx;
  return {
    runTests: async ({ params, body }) => {
      const project = engine.project(params.project);
      if (!project) throw new StudioError(404, "unknown_project", `There is no project named "${params.project}"`);
      const wanted = body.ids ? new Set(body.ids) : undefined;
      const results: TestResult[] = [];
      for (const item of listTestCases(project.root)) {
        if (wanted && !wanted.has(item.testCase.id) && !wanted.has(item.owner.id)) continue;
        results.push(await runTestCase(engine, project.name, item));
      }
      const passed = results.filter((r) => r.ok).length;
      engine.log.info(`Test cases: ${passed} passed, ${results.length - passed} failed`, project.name);
      return results;
    },

    run: async ({ body, reply }) => {
      const raw = reply.raw;
      let open = true;
      // The run's last event ends the stream in the same write: the page has its answer and the
      // response is complete at once (no window between the two in which the browser sees an
      // unfinished request).
      const emit = (ev: RunStreamEvent) => {
        if (!open) return;
        if (ev.kind === "end") {
          open = false;
          streams.delete(raw);
          raw.end(JSON.stringify(ev) + "\n");
        } else {
          raw.write(JSON.stringify(ev) + "\n");
        }
      };
      let started: { runId: string; done: Promise<unknown> };
      reply.hijack();
      raw.writeHead(200, {
        "content-type": "application/x-ndjson; charset=utf-8",
        "cache-control": "no-store",
        "x-content-type-options": "nosniff",
      });
      streams.add(raw);
      try {
        started = runs.start(body, emit);
      } catch (e) {
        const err = e instanceof StudioError ? e : new StudioError(500, "run_failed", (e as Error).message);
        emit({ kind: "end", ok: false, error: { code: err.code, message: err.message }, durationMs: 0 });
        return;
      }
      // Closing the stream (the window, a Stop) stops the run. The response's own "close" (not the
      // socket's, which a kept-alive connection reuses for later requests, piling up listeners).
      raw.once("close", () => {
        if (!open) return;
        open = false;
        try {
          runs.command(started.runId, "stop");
        } catch {
          // already over
        }
      });
      await started.done;
      // A run always ends with its "end" event; should one not, the stream still ends here.
      if (open) {
        open = false;
        streams.delete(raw);
        raw.end();
      }
    },

    debug: ({ params, body }) => {
      runs.command(params.id, body.action);
      return { ok: true };
    },

    breakpoints: ({ params, body }) => {
      runs.setBreakpoints(params.id, body.ids, body.lines);
      return { ok: true };
    },
  } satisfies Partial<StudioHandlers>;
}
