"use client";

import { useEffect, useRef } from "react";
import type { RealtimeEventName, RealtimePayload } from "~/lib/realtime/events";
import { useRealtimeHub, type RealtimeListener } from "./realtime-provider";

/**
 * Calls `handler` for each of the signed-in user's `events` as it happens, over
 * the page's one realtime connection (see RealtimeProvider: Pusher, authorised by
 * the session cookie, or server-sent events).
 *
 * Events published while the connection is not in place (still connecting, or
 * reconnecting) are not replayed: `onReady` runs when this hook starts listening
 * on a connection in place and each time the connection is back, so a page can
 * refetch what it shows and miss nothing.
 */
export function useRealtime<E extends RealtimeEventName>(
  events: E | readonly E[],
  handler: (payload: RealtimePayload<E>, event: E) => void,
  options: { onReady?: () => void } = {},
) {
  const hub = useRealtimeHub();
  const listener = useRef<RealtimeListener>({ deliver: () => {} });
  useEffect(() => {
    listener.current = {
      deliver: ({ event, payload }) => {
        const matches = Array.isArray(events) ? events.includes(event as E) : events === event;
        if (matches) handler(payload as RealtimePayload<E>, event as E);
      },
      onReady: options.onReady,
    };
  });
  const { listen } = hub;
  useEffect(() => listen(listener), [listen]);
}
