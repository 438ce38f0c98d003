// Preloaded (`node --import`) into one `atelier` process by bench/startup/run.ts: when the process
// exits, writes Node's own start-up times and the `atelier:*` performance marks the CLI sets
// (bin/atelier.js, engine/node/cli/main.ts) to the file named by ATELIER_MARKS_FILE, in ms since
// the process started.
import { writeFileSync } from "node:fs";

const file = process.env.ATELIER_MARKS_FILE;
if (file) {
  process.on("exit", () => {
    const t = performance.nodeTiming;
    const marks = Object.fromEntries(performance.getEntriesByType("mark").map((m) => [m.name, m.startTime]));
    writeFileSync(
      file,
      JSON.stringify({
        // performance.now() counts from timeOrigin; nodeTiming.nodeStart is the process start in that scale.
        nodeStart: t.nodeStart,
        bootstrapComplete: t.bootstrapComplete,
        marks,
        exit: performance.now(),
      }),
    );
  });
}
