/**
 * Where a job run stands, in words: "Sleeping until 15:30", "Retrying at 15:31 (attempt 2 of 5)".
 * Pure, so the wording is tested without a browser.
 */

export type RunStateInput = {
  status: string;
  /** Zero-based, as stored: the attempt running now, or the one a retrying run makes next. */
  attempt: number;
  maxAttempts: number;
  nextAt: Date | null;
  waitEvent: string | null;
};

export type RunStateTone = "neutral" | "brand" | "success" | "warning" | "danger";

export type RunState = { label: string; tone: RunStateTone };

const MINUTE_MS = 60_000;
const DAY_MS = 24 * 60 * MINUTE_MS;

/** "15:30"; with seconds when it is under a minute away ("15:30:05"); with the day when it is not today. */
export function formatRunTime(at: Date, now: Date, timeZone?: string): string {
  const soon = Math.abs(at.getTime() - now.getTime()) < MINUTE_MS;
  const day = (date: Date) => new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" }).format(date);
  const sameDay = Math.abs(at.getTime() - now.getTime()) < DAY_MS && day(at) === day(now);
  return new Intl.DateTimeFormat("en-GB", {
    timeZone,
    hour: "2-digit",
    minute: "2-digit",
    ...(soon ? { second: "2-digit" } : {}),
    ...(sameDay ? {} : { day: "numeric", month: "short" }),
  }).format(at);
}

export function describeRunState(run: RunStateInput, now = new Date(), timeZone?: string): RunState {
  const at = (prefix: string) => (run.nextAt ? `${prefix} ${formatRunTime(run.nextAt, now, timeZone)}` : "");
  const attemptOf = `attempt ${Math.min(run.attempt + 1, run.maxAttempts)} of ${run.maxAttempts}`;
  const joined = (...parts: string[]) => parts.filter(Boolean).join(" ");
  switch (run.status) {
    case "queued":
      // Queued for later: a debounce window that has not closed yet.
      return { label: run.nextAt && run.nextAt.getTime() - now.getTime() > 1000 ? joined("Queued, starts", at("at")) : "Queued", tone: "neutral" };
    case "running":
      return { label: run.attempt > 0 ? `Running (${attemptOf})` : "Running", tone: "brand" };
    case "sleeping":
      return { label: joined("Sleeping", at("until")), tone: "neutral" };
    case "retrying":
      return { label: `${joined("Retrying", at("at"))} (${attemptOf})`, tone: "warning" };
    case "waiting":
      return { label: joined("Waiting for an event", at("until")), tone: "neutral" };
    case "completed":
      return { label: "Completed", tone: "success" };
    case "failed":
      return { label: "Failed", tone: "danger" };
    case "cancelled":
      return { label: "Cancelled", tone: "neutral" };
    default:
      return { label: run.status, tone: "neutral" };
  }
}
