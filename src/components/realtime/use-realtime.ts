"use client";

import { useEffect, useRef } from "react";
import { openRealtime } from "~/client/realtime";
import type { RealtimeEventName, RealtimePayload } from "~/lib/realtime/events";
import { api } from "~/trpc/react";

/**
 * Calls `handler` for each of the signed-in user's `events` as it happens, over
 * whichever transport the server uses (Pusher, authorised by the session cookie,
 * or server-sent events). One connection per hook.
 *
 * Events published before the subscription is in place (the page is still
 * connecting, or reconnecting) are not replayed: `onReady` runs each time it is
 * in place, so a page can refetch what it shows and miss nothing.
 */
export function useRealtime<E extends RealtimeEventName>(
  events: E | readonly E[],
  handler: (payload: RealtimePayload<E>, event: E) => void,
  options: { onReady?: () => void } = {},
) {
  const latest = useRef({ events, handler, onReady: options.onReady });
  useEffect(() => {
    latest.current = { events, handler, onReady: options.onReady };
  });
  const { client } = api.useUtils();
  // How to listen does not change while the page is open: ask once, share between hooks.
  // (react-query keeps `connection` the same object while its content is the same.)
  const { data: connection } = api.realtime.connection.useQuery(undefined, { staleTime: Infinity, refetchOnWindowFocus: false });

  useEffect(() => {
    if (!connection) return;
    const subscription = openRealtime(
      { client, baseUrl: "" },
      connection,
      ({ event, payload }) => {
        const wanted = latest.current.events;
        const matches = Array.isArray(wanted) ? wanted.includes(event as E) : wanted === event;
        if (matches) latest.current.handler(payload as RealtimePayload<E>, event as E);
      },
      { onError: (error) => console.warn(`Live updates are unavailable: ${error.message}`), onReady: () => latest.current.onReady?.() },
    );
    return () => subscription.unsubscribe();
  }, [client, connection]);
}
