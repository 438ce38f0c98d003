import type { StudioEvent } from "../../../common/studio/api.ts";
import type { StudioContext } from "./context.ts";
import type { StudioHandlers } from "./register.ts";

/** Live events (server-sent): deltas, history, the engine's log. */
export function eventRoutes(ctx: StudioContext) {
  const { engine, service, streams } = ctx;
  return {
    events: ({ req, reply }) => {
      reply.hijack();
      const raw = reply.raw;
      raw.writeHead(200, {
        "content-type": "text/event-stream; charset=utf-8",
        "cache-control": "no-store",
        connection: "keep-alive",
        "x-accel-buffering": "no",
      });
      streams.add(raw);
      const send = (ev: StudioEvent) => raw.write(`data: ${JSON.stringify(ev)}\n\n`);
      send({ kind: "hello", workspace: engine.workspace.dir });
      const offStudio = service.subscribe(send);
      const offLog = engine.log.subscribe((record) => send({ kind: "log", record }));
      const ping = setInterval(() => raw.write(": ping\n\n"), 15_000);
      const stop = () => {
        clearInterval(ping);
        offStudio();
        offLog();
        streams.delete(raw);
      };
      req.raw.socket.once("close", stop);
      raw.once("close", stop);
    },
  } satisfies Partial<StudioHandlers>;
}
