// The load balancer of bench/cluster/throughput, in its own process (its own event loop, its CPU
// read apart): engine/node/testing/round-robin-proxy.ts, driven over IPC by the benchmark.
//   -> { id, set: string[] }   the upstreams become exactly these (counts reset); <- { id, upstreams }
//   -> { id, counts: true }    <- { id, counts, failures }
// Sends { url } once it listens.
import { startRoundRobinProxy } from "../../engine/node/testing/round-robin-proxy.ts";

if (!process.send) throw new Error("bench/cluster/proxy.ts is started by bench/cluster/throughput.ts (IPC)");

const proxy = await startRoundRobinProxy([]);
const norm = (u: string) => new URL(u).toString().replace(/\/$/, "");

type Message = { id: number; set?: string[]; counts?: true };
process.on("message", (m: Message) => {
  if (m.set) {
    const want = m.set.map(norm);
    for (const u of proxy.upstreams()) if (!want.includes(u)) proxy.remove(u);
    for (const u of want) proxy.add(u);
    proxy.resetCounts();
    process.send!({ id: m.id, upstreams: proxy.upstreams() });
  } else if (m.counts) {
    process.send!({ id: m.id, counts: proxy.counts(), failures: proxy.failures() });
  }
});
process.once("disconnect", () => void proxy.close().then(() => process.exit(0)));
process.send({ url: proxy.url });
