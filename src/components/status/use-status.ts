"use client";

import { api, type RouterOutputs } from "~/trpc/react";
import { useRealtime } from "../realtime/use-realtime";

export type CurrentStatusView = RouterOutputs["status"]["current"];
export type ProviderStatusView = CurrentStatusView["providers"][number];
export type TemplateView = RouterOutputs["status"]["templates"]["list"][number];
export type ScheduleView = RouterOutputs["status"]["schedules"]["list"][number];

/**
 * The current status, live: every "status:updated" (this tab, another tab, the desktop
 * app's heartbeats, a schedule starting) refetches it, and so does a connection coming
 * back, so nothing published while offline is missed.
 */
export function useCurrentStatus() {
  const utils = api.useUtils();
  const current = api.status.current.useQuery();
  const refresh = () => {
    void utils.status.current.invalidate();
    void utils.status.schedules.list.invalidate();
  };
  useRealtime("status:updated", refresh, { onReady: refresh });
  return current;
}

/** After a change made here: what is shown, and the schedules (one may have ended). */
export function useStatusRefresh() {
  const utils = api.useUtils();
  return () => Promise.all([utils.status.current.invalidate(), utils.status.schedules.list.invalidate()]);
}
