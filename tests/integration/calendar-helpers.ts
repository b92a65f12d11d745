import { afterAll } from "vitest";
import { calendarJobs } from "~/server/jobs/functions/calendar";
import { getJobRunner } from "~/server/jobs/send";
import type { GoogleDouble } from "../doubles/google/server";
import { signedUpUser } from "../support/callers";
import { connectThroughProvider } from "../support/integrations";
import { endSleepingRuns } from "../support/job-runs";

/** Shared by the calendar-*.test.ts files. */

/** After each file: the calendar's status runs waiting for later moments are ended (see endSleepingRuns). */
export function useCalendarTestCleanup() {
  afterAll(() => endSleepingRuns(calendarJobs.map((job) => job.id)));
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** Jobs due soon have run (a calendar status waiting for a later moment is not waited for). */
export const settle = () => getJobRunner().idle({ dueWithinMs: 3_000 });

/** Midnight UTC `days` from today, plus `hours`. */
export const at = (days: number, hours: number) => new Date(Math.floor(Date.now() / DAY) * DAY + days * DAY + hours * HOUR);

export type SeedEvent = { summary: string; start: Date; end: Date; visibility?: "private"; attendees?: number };

let people = 0;
/** A DevPulse user connected to a Google account of their own, with `events` in its primary calendar before connecting. */
export async function googleCalendarUser(google: GoogleDouble, label: string, events: SeedEvent[] = [], options: { workspace?: boolean; account?: Awaited<ReturnType<typeof signedUpUser>> } = {}) {
  const account = options.account ?? (await signedUpUser(label));
  const email = `${label}-${++people}@${options.workspace === false ? "gmail.com" : "devpulse.test"}`;
  google.addAccount({ email, name: label, workspace: options.workspace ?? true, timeZone: "UTC" });
  for (const event of events) {
    await google.createEventByHand(email, {
      summary: event.summary,
      start: event.start,
      end: event.end,
      ...(event.visibility ? { visibility: event.visibility } : {}),
      ...(event.attendees ? { attendees: Array.from({ length: event.attendees }, (_, i) => ({ email: `guest${i}@example.com` })) } : {}),
    });
  }
  google.signInAs(email);
  const connected = await connectThroughProvider(account.user, "google", { dueWithinMs: 3_000 });
  await settle();
  return { ...account, googleEmail: email, connected };
}
