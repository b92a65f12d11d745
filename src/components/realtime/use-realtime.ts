"use client";

import { useRef } from "react";
import type { RealtimeEventName, RealtimePayload } from "~/lib/realtime/events";
import { api } from "~/trpc/react";

/** Calls `handler` for each of the signed-in user's `events` as it happens (one stream per hook). */
export function useRealtime<E extends RealtimeEventName>(events: E | readonly E[], handler: (payload: RealtimePayload<E>, event: E) => void) {
  const latest = useRef({ events, handler });
  latest.current = { events, handler };
  api.realtime.events.useSubscription(undefined, {
    onData: (message) => {
      const wanted = latest.current.events;
      const matches = Array.isArray(wanted) ? wanted.includes(message.event as E) : wanted === message.event;
      if (matches) latest.current.handler(message.payload as RealtimePayload<E>, message.event as E);
    },
  });
}
