"use client";

import { useQueryClient } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode, type RefObject } from "react";
import { openRealtime } from "~/client/realtime";
import type { RealtimeEvent } from "~/lib/realtime/events";
import { api } from "~/trpc/react";

/** One component's interest in the stream: kept in a ref so it always sees the component's latest handler. */
export type RealtimeListener = { deliver(event: RealtimeEvent): void; onReady?: () => void };

type Hub = {
  /** Adds a listener; returns how to remove it. */
  listen(listener: RefObject<RealtimeListener>): () => void;
  /** live: events arrive; paused: they do not, and the stream is trying again. */
  state: "connecting" | "live" | "paused";
};

const RealtimeContext = createContext<Hub | undefined>(undefined);

/** An interruption shorter than this (a server restart, a blip) is not worth a notice. */
const PAUSE_NOTICE_DELAY_MS = 1000;

/**
 * The signed-in pages' one realtime connection, shared by every `useRealtime` on
 * the page and kept open across client-side navigation. It knows whether the stream
 * is in place, for the "live updates paused" notice; when the stream comes back
 * after an interruption, everything on screen is refetched (queries and server
 * components), since events published meanwhile are not replayed.
 */
export function RealtimeProvider({ children }: { children: ReactNode }) {
  const { client } = api.useUtils();
  const queryClient = useQueryClient();
  const router = useRouter();
  // How to listen does not change while the page is open: ask once, and keep asking while the server cannot answer.
  const connection = api.realtime.connection.useQuery(undefined, {
    staleTime: Infinity,
    refetchOnWindowFocus: false,
    retry: true,
    retryDelay: (failures) => Math.min(1000 * 2 ** failures, 30_000),
  });
  const listeners = useRef(new Set<RefObject<RealtimeListener>>());
  const live = useRef(false);
  const missedEvents = useRef(false);
  /** Where the stream is: not yet in place, in place, or lost and being retried. */
  const [stream, setStream] = useState<"connecting" | "live" | "interrupted">("connecting");
  const connectionFailing = connection.failureCount > 0 && !connection.data;
  useEffect(() => {
    if (connectionFailing) missedEvents.current = true;
  }, [connectionFailing]);

  useEffect(() => {
    if (!connection.data) return;
    const subscription = openRealtime(
      { client, baseUrl: "" },
      connection.data,
      (event) => {
        for (const listener of listeners.current) listener.current.deliver(event);
      },
      {
        onError: (error) => console.warn(`Live updates: ${error.message}`),
        onInterrupted: () => {
          live.current = false;
          missedEvents.current = true;
          setStream("interrupted");
        },
        onReady: () => {
          live.current = true;
          setStream("live");
          for (const listener of listeners.current) listener.current.onReady?.();
          if (missedEvents.current) {
            missedEvents.current = false;
            void queryClient.invalidateQueries();
            router.refresh();
          }
        },
      },
    );
    return () => {
      live.current = false;
      setStream((current) => (current === "live" ? "connecting" : current));
      subscription.unsubscribe();
    };
  }, [client, connection.data, queryClient, router]);

  const paused = useDelayed(stream === "interrupted" || connectionFailing, PAUSE_NOTICE_DELAY_MS);
  // Stable, so a listener is added once per component and not again when `paused` changes.
  const listen = useCallback((listener: RefObject<RealtimeListener>) => {
    listeners.current.add(listener);
    // Already in place: events from now on reach this listener, and it may show cached
    // data from before it listened, so it refreshes as on any (re)connection.
    if (live.current) listener.current.onReady?.();
    return () => void listeners.current.delete(listener);
  }, []);
  const state = stream === "live" ? "live" : paused ? "paused" : "connecting";
  const hub = useMemo<Hub>(() => ({ listen, state }), [listen, state]);
  return <RealtimeContext.Provider value={hub}>{children}</RealtimeContext.Provider>;
}

function useDelayed(value: boolean, delayMs: number): boolean {
  const [shown, setShown] = useState(false);
  useEffect(() => {
    if (!value) return setShown(false);
    const timer = setTimeout(() => setShown(true), delayMs);
    return () => clearTimeout(timer);
  }, [value, delayMs]);
  return shown;
}

export function useRealtimeHub(): Hub {
  const hub = useContext(RealtimeContext);
  if (!hub) throw new Error("useRealtime needs a <RealtimeProvider> above it (the signed-in layout has one).");
  return hub;
}

/** A small notice while live updates are paused; a polite live region, so screen readers hear it come and go. */
export function RealtimeStatus() {
  const { state } = useRealtimeHub();
  return (
    <div role="status" aria-live="polite" data-realtime={state} className="pointer-events-none fixed inset-x-0 bottom-4 z-40 flex justify-center px-4">
      {state === "paused" && (
        <p className="flex items-center gap-2 rounded-full border border-amber-200 bg-amber-50 px-4 py-2 text-sm font-medium text-amber-900 shadow-sm" data-testid="realtime-paused">
          <span aria-hidden="true" className="size-2 animate-pulse rounded-full bg-amber-500" />
          Live updates paused — reconnecting…
        </p>
      )}
    </div>
  );
}

