import { Command, CommanderError } from "commander";
import { cp, mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Engine } from "../engine.ts";
import { jobsCommand } from "./jobs-cli.ts";
import type { JobRun, JobStatus } from "./scheduler.ts";

const root = path.resolve(import.meta.dirname, "../../..");
let ws: string;
let opened = 0;

beforeAll(async () => {
  ws = await mkdtemp(path.join(os.tmpdir(), "atelier-jobs-cli-"));
  await cp(path.join(root, "examples/workspace/Demo"), path.join(ws, "Demo"), { recursive: true });
});
afterAll(() => rm(ws, { recursive: true, force: true }));

/** Runs `atelier jobs ...` in this process; answers what it printed, or the error it ended with. */
async function jobs(...args: string[]): Promise<{ out: string; error?: Error }> {
  let out = "";
  const program = new Command().name("atelier").exitOverride();
  program.configureOutput({ writeOut: (t) => (out += t), writeErr: (t) => (out += t) });
  jobsCommand(program, {
    openEngine: (opts) => {
      opened++;
      return Engine.open(opts);
    },
    timezone: "Europe/Paris",
    out: (t) => (out += t.endsWith("\n") ? t : t + "\n"),
  });
  try {
    await program.parseAsync(["jobs", ...args, "--workspace", ws], { from: "user" });
    return { out };
  } catch (e) {
    return { out, error: e as Error };
  }
}

describe("atelier jobs", () => {
  it("adds, lists, updates, pauses, resumes, runs and removes jobs of a workspace", async () => {
    let r = await jobs("list");
    expect(r.out).toBe(`No jobs in ${path.join(ws, ".atelier", "jobs.json")}\n`);

    r = await jobs("add", "--project", "Demo", "--sequence", "Greet", "--cron", "0 9 * * 1-5", "--input", "name=Ada");
    expect(r.error).toBeUndefined();
    expect(r.out).toMatch(
      /^Job added: Demo\.Greet: Demo\.Greet "0 9 \* \* 1-5" \(Europe\/Paris\) inputs \{"name":"Ada"\}: next \d{4}-\d\d-\d\dT09:00:00\+0[12]:00\n$/,
    );

    r = await jobs(
      "add",
      "--id",
      "nightly",
      "--project",
      "Demo",
      "--sequence",
      "Fail",
      "--cron",
      "30 2 * * *",
      "--tz",
      "America/New_York",
      "--paused",
    );
    expect(r.out).toMatch(/^Job added: nightly: Demo\.Fail "30 2 \* \* \*" \(America\/New_York\): paused\n$/);

    r = await jobs("list", "--json");
    const listed = JSON.parse(r.out) as JobStatus[];
    expect(listed.map((j) => [j.id, j.paused, j.timezone])).toEqual([
      ["Demo.Greet", false, "Europe/Paris"],
      ["nightly", true, "America/New_York"],
    ]);

    r = await jobs("update", "--id", "Demo.Greet", "--cron", "15 8 * * *", "--input", "name=Grace", "--tz", "UTC");
    expect(r.out).toMatch(
      /^Job updated: Demo\.Greet: Demo\.Greet "15 8 \* \* \*" \(UTC\) inputs \{"name":"Grace"\}: next .*T08:15:00Z\n$/,
    );
    r = await jobs("update", "--id", "Demo.Greet", "--no-inputs");
    expect(r.out).not.toContain("inputs");

    r = await jobs("pause", "--id", "Demo.Greet");
    expect(r.out).toMatch(/^Job paused: .*: paused\n$/);
    r = await jobs("resume", "--id", "Demo.Greet");
    expect(r.out).toMatch(/^Job resumed: .*: next /);

    r = await jobs("run", "--id", "Demo.Greet");
    expect(r.error).toBeUndefined();
    expect(JSON.parse(r.out)).toMatchObject({ job: "Demo.Greet", ok: true, manual: true });

    r = await jobs("run", "--id", "nightly");
    expect(r.error).toBeInstanceOf(CommanderError);
    expect((r.error as CommanderError).exitCode).toBe(1);
    expect(r.error!.message).toBe('the job "nightly" failed: 42: Deliberate failure (step "DeliberateError")');
    expect(JSON.parse(r.out)).toMatchObject({ job: "nightly", ok: false });

    r = await jobs("runs", "--id", "Demo.Greet");
    expect(r.out).toMatch(/^\S+ \(run now\) ok in \d+ ms\n$/);
    r = await jobs("runs", "--id", "nightly", "--json", "--last", "5");
    expect((JSON.parse(r.out) as JobRun[]).map((x) => x.ok)).toEqual([false]);
    r = await jobs("list");
    expect(r.out.split("\n")[1]).toMatch(/^nightly: .*: paused; last \S+ \(run now\) FAILED after \d+ ms: 42: /);

    r = await jobs("remove", "--id", "nightly");
    expect(r.out).toBe("Job removed: nightly\n");
    const file = JSON.parse(await readFile(path.join(ws, ".atelier", "jobs.json"), "utf8")) as { jobs: unknown[] };
    expect(file.jobs).toHaveLength(1);
  });

  it("says clearly what is wrong", async () => {
    let r = await jobs("add", "--project", "Demo", "--sequence", "Nope", "--cron", "0 9 * * *");
    expect(r.error?.message).toBe('project "Demo", sequence "Nope": The project "Demo" has no sequence named "Nope"');
    r = await jobs("add", "--project", "Demo", "--sequence", "Greet", "--cron", "* * *");
    expect(r.error?.message).toMatch(/^cron: "\* \* \*" has 3 fields, not 5 or 6/);
    r = await jobs("add", "--project", "Demo", "--sequence", "Greet", "--cron", "0 9 * * *", "--tz", "Paris");
    expect(r.error?.message).toMatch(/^timezone: "Paris" is not a known IANA time zone/);
    r = await jobs("add", "--project", "Demo", "--sequence", "Greet", "--cron", "0 9 * * *", "--input", "novalue");
    expect(r.error?.message).toBe('--input "novalue" must be name=value');
    r = await jobs("run", "--id", "ghost");
    expect(r.error?.message).toBe('There is no job named "ghost"');
    r = await jobs("update", "--id", "Demo.Greet");
    expect(r.error?.message).toBe("give what to change: --cron, --tz, --input or --no-inputs");
    r = await jobs("runs", "--id", "Demo.Greet", "--last", "0");
    expect(r.error?.message).toBe("--last must be a whole number from 1 to 10000");
  });

  it("opens an engine only to check or run a job", async () => {
    const before = opened;
    await jobs("list");
    await jobs("pause", "--id", "Demo.Greet");
    await jobs("runs", "--id", "Demo.Greet");
    expect(opened).toBe(before);
    await jobs("resume", "--id", "Demo.Greet");
    expect(opened).toBe(before + 1);
  });
});
