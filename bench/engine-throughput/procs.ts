// Processes of the benchmark: start a server, read the URL it prints, pin it to a core, measure
// the CPU it uses, stop it.
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { createServer } from "node:net";

export interface Service {
  name: string;
  proc: ChildProcess;
  pid: number;
  url: string;
  /** The last lines it wrote to stderr (for error messages). */
  stderrTail(): string;
  stop(): Promise<void>;
}

const started = new Set<ChildProcess>();

/** Kills what is still running when the benchmark itself ends (error, Ctrl-C). */
export function killAllOnExit(): void {
  const killAll = () => {
    for (const p of started) if (p.exitCode === null && p.signalCode === null) p.kill("SIGKILL");
  };
  process.on("exit", killAll);
  for (const sig of ["SIGINT", "SIGTERM"] as const) {
    process.once(sig, () => {
      killAll();
      process.exit(130);
    });
  }
}

let tasksetChecked: boolean | undefined;

/** Whether `taskset` can pin processes here (Linux with util-linux). */
export function canPin(): boolean {
  if (tasksetChecked === undefined) {
    try {
      execFileSync("taskset", ["-p", String(process.pid)], { stdio: "ignore" });
      tasksetChecked = true;
    } catch {
      tasksetChecked = false;
    }
  }
  return tasksetChecked;
}

/** Pins this process (all its threads) to one core. */
export function pinSelf(cpu: number): void {
  execFileSync("taskset", ["-a", "-c", "-p", String(cpu), String(process.pid)], { stdio: "ignore" });
}

export interface StartOptions {
  name: string;
  command: string;
  args: string[];
  /** Pin to this core with taskset (its threads and children too). */
  cpu?: number;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** A line of stdout that carries the URL in its first group; without it, `url` is given. */
  ready?: RegExp;
  url?: string;
  timeoutMs?: number;
}

/** Starts a server and waits for its URL line. */
export async function startService(o: StartOptions): Promise<Service> {
  const [cmd, args] =
    o.cpu !== undefined ? ["taskset", ["-c", String(o.cpu), o.command, ...o.args]] : [o.command, o.args];
  const proc = spawn(cmd as string, args as string[], {
    cwd: o.cwd,
    env: o.env ?? process.env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  started.add(proc);
  let stderr = "";
  proc.stderr!.setEncoding("utf8");
  proc.stderr!.on("data", (d: string) => {
    stderr = (stderr + d).slice(-4000);
  });
  const stderrTail = () => stderr.trim().split("\n").slice(-15).join("\n");
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${o.name} did not start within ${(o.timeoutMs ?? 60_000) / 1000} s\n${stderrTail()}`)),
      o.timeoutMs ?? 60_000,
    );
    proc.once("error", (e) => {
      clearTimeout(timer);
      reject(new Error(`${o.name} could not be started: ${e.message}`));
    });
    proc.once("exit", (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${o.name} exited (${signal ?? `code ${code}`}) before it was ready\n${stderrTail()}`));
    });
    if (!o.ready) {
      clearTimeout(timer);
      resolve(o.url ?? "");
      return;
    }
    let buf = "";
    proc.stdout!.setEncoding("utf8");
    proc.stdout!.on("data", (d: string) => {
      buf += d;
      const m = o.ready!.exec(buf);
      if (m?.[1]) {
        clearTimeout(timer);
        resolve(m[1]);
      }
      if (buf.length > 100_000) buf = buf.slice(-10_000);
    });
  });
  proc.stdout!.resume();
  proc.removeAllListeners("exit");
  return {
    name: o.name,
    proc,
    pid: proc.pid as number,
    url,
    stderrTail,
    stop: () => stopProcess(proc),
  };
}

/** SIGINT, then SIGKILL if it has not exited after `graceMs`. */
export function stopProcess(proc: ChildProcess, graceMs = 15_000): Promise<void> {
  return new Promise((resolve) => {
    if (proc.exitCode !== null || proc.signalCode !== null) {
      started.delete(proc);
      resolve();
      return;
    }
    const timer = setTimeout(() => proc.kill("SIGKILL"), graceMs);
    proc.once("exit", () => {
      clearTimeout(timer);
      started.delete(proc);
      resolve();
    });
    proc.kill("SIGINT");
  });
}

/** A free TCP port on 127.0.0.1 (for servers that cannot listen on port 0 and tell). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const addr = s.address();
      const port = typeof addr === "object" && addr ? addr.port : 0;
      s.close(() => resolve(port));
    });
  });
}

let clockTicks: number | undefined;

function ticksPerSecond(): number {
  if (clockTicks === undefined) {
    try {
      clockTicks = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

/** CPU seconds (user + system, all threads) a process has used, from /proc; undefined elsewhere. */
export function processCpuSeconds(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond();
  } catch {
    return undefined;
  }
}

/** Busy and total jiffies of each core, from /proc/stat (empty elsewhere). */
export function coreTimes(): Map<number, { busy: number; total: number }> {
  const out = new Map<number, { busy: number; total: number }>();
  try {
    for (const line of readFileSync("/proc/stat", "utf8").split("\n")) {
      const m = /^cpu(\d+)\s+(.*)$/.exec(line);
      if (!m) continue;
      const v = (m[2] as string).split(/\s+/).map(Number);
      const total = v.slice(0, 8).reduce((a, b) => a + b, 0);
      const idle = (v[3] ?? 0) + (v[4] ?? 0);
      out.set(Number(m[1]), { busy: total - idle, total });
    }
  } catch {
    // not Linux: no per-core figures
  }
  return out;
}
