/**
 * Where a job run stands, in words: "Sleeping until 15:30", "Retrying at 15:31 (attempt 2 of 5)".
 * Pure, so the wording is tested without a browser.
 */
import type { SupportedLocale } from "~/lib/schemas/locale";
import { formatTime } from "../ui/time";

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

/** The times in the label are written in `locale` (the reader's: useLocale). */
export function describeRunState(locale: SupportedLocale, run: RunStateInput, now = new Date(), timeZone?: string): RunState {
  const at = (prefix: string) => (run.nextAt ? `${prefix} ${formatTime(locale, run.nextAt, now, timeZone)}` : "");
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
