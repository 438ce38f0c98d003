// Preloaded (`node --import <this file>`) into every server the engine benchmark measures: the
// event loop's delay, sampled by perf_hooks' monitorEventLoopDelay. Each SIGWINCH writes what was
// seen since the previous one to $BENCH_ELD_FILE (atomically, with a sequence number) and starts
// a new window (SIGWINCH: ignored by default and used by none of the servers; Node-RED exits on
// SIGUSR2). Plain JavaScript so it also loads into Node-RED's Node 22 without tsx.
import { renameSync, writeFileSync } from "node:fs";
import { monitorEventLoopDelay } from "node:perf_hooks";

const file = process.env.BENCH_ELD_FILE;
if (file) {
  const h = monitorEventLoopDelay({ resolution: 2 });
  h.enable();
  let seq = 0;
  process.on("SIGWINCH", () => {
    const ms = (ns) => ns / 1e6;
    const stats = {
      seq: ++seq,
      count: h.count,
      mean: ms(h.mean),
      p50: ms(h.percentile(50)),
      p99: ms(h.percentile(99)),
      max: ms(h.max),
    };
    h.reset();
    writeFileSync(`${file}.tmp`, JSON.stringify(stats));
    renameSync(`${file}.tmp`, file);
  });
}
