/**
 * Pure logic of the Jobs tab and the New job form: a cron expression in words, its next runs in
 * a time zone (croner, the scheduler's own parser), dates in a job's time zone, a run in words,
 * and the inputs rows. No React, no DOM; tested in jobs-model.test.ts.
 */
import { Cron } from "croner";
import type { LocalJobRun } from "../../engine/common/studio/routes.ts";

/** The scheduler's reading of expressions: 5 fields (minutes first) or 6 (seconds first). */
const CRON_MODE = "5-or-6-parts" as const;

const DAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];
const MONTHS = [
  "January",
  "February",
  "March",
  "April",
  "May",
  "June",
  "July",
  "August",
  "September",
  "October",
  "November",
  "December",
];
const DAY_NAMES: Record<string, number> = { sun: 0, mon: 1, tue: 2, wed: 3, thu: 4, fri: 5, sat: 6 };
const MONTH_NAMES: Record<string, number> = Object.fromEntries(
  MONTHS.map((m, i) => [m.slice(0, 3).toLowerCase(), i + 1]),
);

/** Common schedules offered in the form. */
export const CRON_PRESETS: { cron: string; label: string }[] = [
  { cron: "* * * * *", label: "every minute" },
  { cron: "*/5 * * * *", label: "every 5 minutes" },
  { cron: "0 * * * *", label: "every hour" },
  { cron: "0 9 * * *", label: "every day at 09:00" },
  { cron: "0 9 * * 1-5", label: "Monday to Friday at 09:00" },
  { cron: "0 0 1 * *", label: "the first of every month at midnight" },
  { cron: "*/30 * * * * *", label: "every 30 seconds" },
  { cron: "* * * * * *", label: "every second" },
];

const pad = (n: number) => String(n).padStart(2, "0");
const isNum = (x: string) => /^\d{1,2}$/.test(x);
const stepOf = (x: string) => /^(?:\*|0)\/(\d{1,2})$/.exec(x)?.[1];
const plural = (n: number, one: string) => (n === 1 ? one : `${n} ${one}s`);

/** "a, b and c". */
function andList(items: string[]): string {
  return items.length <= 1 ? (items[0] ?? "") : `${items.slice(0, -1).join(", ")} and ${items.at(-1)}`;
}

/** The numbers a field of numbers, ranges and lists names ("1,3-5" → 1, 3, 4, 5); undefined for anything else. */
function numbers(field: string, names: Record<string, number> = {}, max = 59): number[] | undefined {
  const out: number[] = [];
  const value = (x: string) => {
    const n = isNum(x) ? Number(x) : names[x.toLowerCase()];
    return n !== undefined && n <= max ? n : undefined;
  };
  for (const part of field.split(",")) {
    const [a, b, ...rest] = part.split("-");
    if (rest.length) return undefined;
    const from = value(a ?? "");
    const to = b === undefined ? from : value(b);
    if (from === undefined || to === undefined || to < from) return undefined;
    for (let i = from; i <= to; i++) out.push(i);
  }
  return out;
}

/** "Monday to Friday", "Saturday and Sunday", "Monday"; undefined for what it cannot say. */
function daysText(field: string): string | undefined {
  const range = /^(\w+)-(\w+)$/.exec(field);
  const days = numbers(field, DAY_NAMES, 7)?.map((d) => d % 7);
  if (!days) return undefined;
  if (range && days.length > 2) return `${DAYS[days[0]!]} to ${DAYS[days.at(-1)!]}`;
  return andList([...new Set(days)].map((d) => DAYS[d]!));
}

function monthsText(field: string): string | undefined {
  const range = /^(\w+)-(\w+)$/.exec(field);
  const months = numbers(field, MONTH_NAMES, 12);
  if (!months || months.some((m) => m < 1)) return undefined;
  if (range && months.length > 2) return `${MONTHS[months[0]! - 1]} to ${MONTHS[months.at(-1)! - 1]}`;
  return andList(months.map((m) => MONTHS[m - 1]!));
}

/** The day part: "" for every day, else "on …" / "in …"; undefined when it cannot be said. */
function dayPart(dom: string, month: string, dow: string): string | undefined {
  const any = (x: string) => x === "*" || x === "?";
  const parts: string[] = [];
  let domText: string | undefined;
  if (!any(dom)) {
    if (dom === "L") domText = "on the last day of the month";
    else {
      const days = numbers(dom, {}, 31);
      if (!days || days.some((d) => d < 1)) return undefined;
      domText = `on day${days.length > 1 ? "s" : ""} ${andList(days.map(String))} of the month`;
    }
  }
  let dowText: string | undefined;
  if (!any(dow)) {
    const t = daysText(dow);
    if (!t) return undefined;
    dowText = t.includes(" to ") ? t : `on ${t}`;
  }
  // Both restricted: either matches (croner's default, as classic cron).
  if (domText && dowText) parts.push(`${domText} or ${dowText}`);
  else if (domText) parts.push(domText);
  else if (dowText) parts.push(dowText);
  if (!any(month)) {
    const t = monthsText(month);
    if (!t) return undefined;
    parts.push(`in ${t}`);
  }
  return parts.join(", ");
}

/** The time part, and whether it says a time of day (then "every day" is worth saying). */
function timePart(sec: string, min: string, hour: string): { text: string; ofDay: boolean } | undefined {
  const secNum = isNum(sec) ? Number(sec) : undefined;
  const atSecond = secNum ? `:${pad(secNum)}` : "";
  if (hour === "*" && min === "*") {
    if (sec === "*") return { text: "every second", ofDay: false };
    const s = stepOf(sec);
    if (s) return { text: `every ${plural(Number(s), "second")}`, ofDay: false };
    if (secNum !== undefined)
      return { text: secNum === 0 ? "every minute" : `every minute at second ${secNum}`, ofDay: false };
    const secs = numbers(sec);
    return secs ? { text: `every minute at seconds ${andList(secs.map(String))}`, ofDay: false } : undefined;
  }
  if (secNum === undefined) return undefined;
  const m = stepOf(min);
  if (hour === "*" && m) {
    return {
      text: `every ${plural(Number(m), "minute")}${secNum ? ` at second ${secNum}` : ""}`,
      ofDay: false,
    };
  }
  const minutes = numbers(min);
  if (!minutes || minutes.length > 6) return undefined;
  const atMinutes = andList(minutes.map((x) => `:${pad(x)}${atSecond}`));
  if (hour === "*") return { text: `every hour at ${atMinutes}`, ofDay: false };
  const h = stepOf(hour);
  if (h) return { text: `every ${plural(Number(h), "hour")} at ${atMinutes}`, ofDay: false };
  const hourRange = /^(\d{1,2})-(\d{1,2})$/.exec(hour);
  if (hourRange && Number(hourRange[1]) <= Number(hourRange[2]) && Number(hourRange[2]) <= 23) {
    return {
      text: `every hour at ${atMinutes} from ${pad(Number(hourRange[1]))}:00 to ${pad(Number(hourRange[2]))}:59`,
      ofDay: true,
    };
  }
  const hours = numbers(hour, {}, 23);
  if (!hours) return undefined;
  const times = hours.flatMap((hh) => minutes.map((mm) => `${pad(hh)}:${pad(mm)}${atSecond}`));
  if (times.length > 6) return undefined;
  return { text: `at ${andList(times)}`, ofDay: true };
}

/**
 * A cron expression in words ("every 5 minutes", "at 09:00, Monday to Friday"), or undefined
 * when it is not valid or too unusual to say shortly (the next runs still show what it does).
 */
export function describeCron(expr: string): string | undefined {
  const f = expr.trim().split(/\s+/);
  if (f.length !== 5 && f.length !== 6) return undefined;
  const [sec, min, hour, dom, month, dow] = (f.length === 6 ? f : ["0", ...f]) as [
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  const time = timePart(sec, min, hour);
  const days = dayPart(dom, month, dow);
  if (!time || days === undefined) return undefined;
  if (days) return `${time.text}, ${days}`;
  return time.ofDay ? `${time.text}, every day` : time.text;
}

/** The next `count` times an expression fires in a time zone, or why it cannot (croner's words). */
export function nextRuns(
  expr: string,
  timezone: string,
  count = 3,
  from = new Date(),
): { runs: Date[] } | { error: string } {
  const fields = expr.trim().split(/\s+/).filter(Boolean);
  if (fields.length === 0) return { error: "Give a cron expression" };
  if (fields.length !== 5 && fields.length !== 6)
    return { error: `${fields.length} field${fields.length === 1 ? "" : "s"}: a cron expression has 5 or 6` };
  try {
    const runs = new Cron(fields.join(" "), { mode: CRON_MODE, timezone }).nextRuns(count, from);
    if (runs.length === 0) return { error: "It never matches a date (such as the 30th of February)" };
    return { runs };
  } catch (e) {
    return { error: (e as Error).message.replace(/^CronPattern:\s*/, "") };
  }
}

/** Is this an IANA time zone this browser knows? */
export function isTimezone(tz: string): boolean {
  if (!tz.trim()) return false;
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: tz.trim() });
    return true;
  } catch {
    return false;
  }
}

/** The browser's time zone (the default of a new job), or UTC. */
export function browserTimezone(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
  } catch {
    return "UTC";
  }
}

/** The time zones offered in the form (this browser's list). */
export function knownTimezones(): string[] {
  try {
    return Intl.supportedValuesOf("timeZone");
  } catch {
    return ["UTC"];
  }
}

/** A date as its wall time in a time zone ("Tue, Dec 1, 09:00:00"), the year when it is not this one's. */
export function whenInZone(at: Date | string | undefined, timezone: string, now = new Date()): string {
  if (at === undefined || at === "") return "";
  const d = typeof at === "string" ? new Date(at) : at;
  if (Number.isNaN(d.getTime())) return String(at);
  const opts: Intl.DateTimeFormatOptions = {
    weekday: "short",
    month: "short",
    day: "numeric",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
    hourCycle: "h23",
    ...(d.getUTCFullYear() !== now.getUTCFullYear() ? { year: "numeric" } : {}),
  };
  try {
    return new Intl.DateTimeFormat(undefined, { ...opts, timeZone: timezone }).format(d);
  } catch {
    return new Intl.DateTimeFormat(undefined, opts).format(d);
  }
}

/** "250 ms", "1.5 s", "2 min 5 s". */
export function durationText(ms: number): string {
  if (ms < 1000) return `${ms} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)} min${s % 60 ? ` ${s % 60} s` : ""}`;
}

/** How a run went: its state ("ok", "failed", "skipped") and the words for it. */
export function runText(run: LocalJobRun): { state: "ok" | "failed" | "skipped"; text: string } {
  if (run.skipped) return { state: "skipped", text: `skipped: ${run.skipped}` };
  if (run.ok) return { state: "ok", text: `ok in ${durationText(run.durationMs)}` };
  return {
    state: "failed",
    text: `failed after ${durationText(run.durationMs)}${run.error ? `: ${run.error}` : ""}`,
  };
}

/** One name=value row of the form. */
export interface InputRow {
  name: string;
  value: string;
}

/**
 * The inputs the rows give: rows with a name and a value (an empty value leaves the sequence's
 * default); a name given twice is a problem, named.
 */
export function rowsToInputs(rows: InputRow[]): { inputs: Record<string, string>; problem?: string } {
  const inputs: Record<string, string> = {};
  const seen = new Set<string>();
  for (const r of rows) {
    const name = r.name.trim();
    if (!name) {
      if (r.value !== "") return { inputs, problem: `The value "${r.value.slice(0, 40)}" has no name` };
      continue;
    }
    if (seen.has(name)) return { inputs, problem: `The input "${name}" is given twice` };
    seen.add(name);
    if (r.value !== "") inputs[name] = r.value;
  }
  return { inputs };
}

/** The inputs of a job as "name=value" texts (values cut at 40 characters). */
export function inputsText(inputs: Record<string, string>): string {
  return Object.entries(inputs)
    .map(([k, v]) => `${k}=${v.length > 40 ? `${v.slice(0, 39)}…` : v}`)
    .join(" ");
}
