"use client";

import { useEffect, useRef, useSyncExternalStore } from "react";
import { api, type RouterOutputs } from "~/trpc/react";
import { useRealtime } from "../realtime/use-realtime";
import { browserTimeZone } from "./format";

export type CalendarView = RouterOutputs["calendar"]["calendars"][number];
export type EventView = RouterOutputs["calendar"]["events"][number];
export type FocusBlockView = RouterOutputs["calendar"]["focusBlocks"][number];
export type ConflictView = RouterOutputs["calendar"]["conflicts"][number];
export type SlotView = RouterOutputs["calendar"]["suggestFocusSlots"]["slots"][number];

/** Everything the calendar shows, refetched after a change made here or announced from elsewhere. */
export function useCalendarRefresh() {
  const utils = api.useUtils();
  return () =>
    Promise.all([
      utils.calendar.calendars.invalidate(),
      utils.calendar.events.invalidate(),
      utils.calendar.focusBlocks.invalidate(),
      utils.calendar.conflicts.invalidate(),
      utils.calendar.nextFocusBlock.invalidate(),
    ]);
}

/**
 * Keeps the calendar live: a sync that changed events, a focus block made or refused by its
 * job, a conflict found. A sync announces up to twenty changes at once: one refetch per burst.
 * Events missed while the connection was away are covered by refetching when it is back.
 */
export function useLiveCalendar() {
  const refresh = useCalendarRefresh();
  const burst = useRef<ReturnType<typeof setTimeout>>(undefined);
  useEffect(() => () => clearTimeout(burst.current), []);
  const refreshSoon = () => {
    clearTimeout(burst.current);
    burst.current = setTimeout(() => void refresh(), 250);
  };
  useRealtime(["calendar:event_updated", "calendar:conflict_detected"], refreshSoon, { onReady: () => void refresh() });
}

const noSubscription = () => () => {};

/** The browser's time zone, or null while rendering on the server (which cannot know it). */
export function useBrowserTimeZone(): string | null {
  return useSyncExternalStore(noSubscription, browserTimeZone, () => null);
}
