import { eq } from "drizzle-orm";
import { ZSuggestFocusSlotsInput, type SuggestFocusSlotsRequest, type TimeSlot } from "~/lib/calendar/schemas";
import { suggestFocusSlots as rankFreeSlots } from "~/lib/calendar/suggest";
import type { DbOrTx } from "../db/client";
import { users } from "../db/schema";
import { recordProcessing } from "../privacy/processing-log";
import { busyIntervals } from "./events";
import { DAY_MS } from "./facts";

export const ZSuggestFocusSlots = ZSuggestFocusSlotsInput;

/**
 * calendar.suggestFocusSlots: free/busy from every included calendar, ranked by the algorithm
 * in src/lib/calendar/suggest.ts. The productivity profile the client computed from its
 * decrypted activity is used for this answer only: never stored or logged.
 */
export async function suggestFocusSlots(db: DbOrTx, userId: string, input: SuggestFocusSlotsRequest): Promise<{ slots: TimeSlot[]; busyCount: number; profile: boolean }> {
  const busy = await busyIntervals(db, userId, { from: new Date(input.from), to: new Date(input.to) });
  const slots = rankFreeSlots(input, busy);
  if (input.productivityProfile) {
    await recordProcessing(db, userId, {
      activity: "correlation",
      purpose: "Rank focus slots by the productivity profile you sent (the profile is not stored)",
      legalBasis: "consent",
      details: { slots: slots.length },
    });
  }
  return { slots, busyCount: busy.length, profile: input.productivityProfile !== undefined };
}

/** Working hours for moving a block when the user gave none: weekdays 9–17 on their own clock. */
const DEFAULT_WORKING_HOURS = { days: [1, 2, 3, 4, 5], start: "09:00", end: "17:00" };

/** The earliest free slot of this length after `after`, within two weeks of working hours (moving a block off a meeting). */
export async function nextSlotAfter(db: DbOrTx, userId: string, request: { after: Date; durationMinutes: number; ignoreEventId?: string; timeZone?: string }) {
  const [user] = request.timeZone ? [{ timezone: request.timeZone }] : await db.select({ timezone: users.timezone }).from(users).where(eq(users.id, userId));
  const from = request.after;
  const to = new Date(from.getTime() + 14 * DAY_MS);
  const busy = await busyIntervals(db, userId, { from, to }, request.ignoreEventId);
  const slots = rankFreeSlots(
    ZSuggestFocusSlotsInput.parse({
      from: from.toISOString(),
      to: to.toISOString(),
      durationMinutes: request.durationMinutes,
      preferences: { workingHours: DEFAULT_WORKING_HOURS, timezone: user?.timezone ?? "UTC", minGapMinutes: 0 },
      limit: 50,
    }),
    busy,
  );
  const earliest = slots.map((slot) => ({ start: new Date(slot.startTime), end: new Date(slot.endTime) })).sort((a, b) => a.start.getTime() - b.start.getTime())[0];
  return earliest ?? null;
}
