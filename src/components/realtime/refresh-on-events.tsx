"use client";

import { useRouter } from "next/navigation";
import { useEffect, useRef } from "react";
import type { RealtimeEventName } from "~/lib/realtime/events";
import { useRealtime } from "./use-realtime";

/** A burst of events (a sync of many records, a bulk resolve) re-renders the page at most this often. */
const MIN_INTERVAL_MS = 1000;

/**
 * Keeps a server-rendered page live: re-renders it (router.refresh, which keeps
 * client state) when one of `events` arrives. Reconnections are covered by the
 * RealtimeProvider, which refreshes the page itself after an interruption.
 */
export function RefreshOnEvents({ events }: { events: readonly RealtimeEventName[] }) {
  const router = useRouter();
  const last = useRef(0);
  const timer = useRef<ReturnType<typeof setTimeout>>(undefined);
  useEffect(() => () => clearTimeout(timer.current), []);
  useRealtime(events, () => {
    if (timer.current) return; // a refresh is already due: it will show this event too
    const wait = Math.max(0, last.current + MIN_INTERVAL_MS - Date.now());
    timer.current = setTimeout(() => {
      timer.current = undefined;
      last.current = Date.now();
      router.refresh();
    }, wait);
  });
  return null;
}
