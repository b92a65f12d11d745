import { NonRetriableError, RetryAfterError } from "inngest";
import { getDb } from "../../db/client";
import { getEnv } from "../../env";
import { ProviderError } from "../../integrations/resilience";
import { endScheduledStatus, scheduleTimes, startScheduledStatus } from "../../status/schedules";
import { clearIfIdle, endTimedStatus, idleDeadline } from "../../status/status";
import { applyChatStatus } from "../../status/targets";
import { defineJob } from "../define-job";

/**
 * The chat status's durable jobs. The domain (src/server/status) decides and writes;
 * these only say when: coalesced applies, the idle clear, a focus session's end and a
 * scheduled status's start and end, each a durable sleep that survives a restart.
 * Every step re-reads the database, so a repeated step (at-least-once) decides again
 * from what is true now.
 */

/** How the jobs wait. Tests shorten the idle debounce (the embedded engine reads it at each event), as RESILIENCE's waits are. */
export const CHAT_STATUS_TIMING = {
  idleDebounce: { key: "event.data.userId", period: "1m" as number | string },
  /** Applies one run may chain (each at least STATUS_WRITES.spacingMs apart): far below Inngest's 1,000 steps. */
  maxApplyRounds: 100,
};

/** A rate limit is waited out (its time, or a minute); any other provider failure is retried with backoff by the engine. */
async function waitingOutRateLimits<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof ProviderError && error.kind === "rate_limited") throw new RetryAfterError(error.message, error.retryAt ?? "1m");
    throw error;
  }
}

/** Brings every connected chat provider to the desired status; a write too soon after the last one sleeps, then writes the then-latest state. */
export const applyChatStatusJob = defineJob(
  {
    id: "apply-chat-status",
    name: "Show your status on Slack and Discord",
    events: ["status/apply.requested"],
    retries: 6,
    concurrency: { key: "event.data.userId", limit: 1 },
  },
  async ({ event, step }) => {
    const { userId } = event.data;
    for (let round = 0; round < CHAT_STATUS_TIMING.maxApplyRounds; round++) {
      const applied = await step.run("apply", () => waitingOutRateLimits(async () => applyChatStatus(await getDb(), getEnv(), userId)));
      if (!applied.waitUntil) return applied;
      await step.sleepUntil("wait-for-write-spacing", applied.waitUntil);
    }
    throw new NonRetriableError("The status kept changing faster than it could be written; the next change applies it.");
  },
);

/** When heartbeats stop: debounced per user, then a durable sleep until the idle timeout; clears a heartbeat status only if no heartbeat came meanwhile. */
export const clearIdleStatus = defineJob(
  {
    id: "clear-idle-status",
    name: "Clear your status when you stop working",
    events: ["status/heartbeat.received"],
    retries: 4,
    debounce: CHAT_STATUS_TIMING.idleDebounce,
  },
  async ({ event, step }) => {
    const { userId } = event.data;
    const deadline = await step.run("read-last-heartbeat", async () => idleDeadline(await getDb(), userId));
    if (!deadline) return { cleared: false };
    await step.sleepUntil("until-idle", deadline.clearAt);
    return step.run("clear-if-idle", async () => clearIfIdle(await getDb(), userId, new Date(deadline.lastHeartbeatAt)));
  },
);

/** A focus session (or any status set for a while) ends at `until`: cleared then, with Do Not Disturb, unless it ended first. */
export const endFocusSession = defineJob(
  {
    id: "end-focus-session",
    name: "End your focus session on time",
    events: ["status/focus.started"],
    retries: 4,
    cancelOn: [{ event: "status/focus.ended", match: "data.userId" }],
  },
  async ({ event, step }) => {
    const { userId, until } = event.data;
    await step.sleepUntil("until-focus-ends", until);
    return step.run("end-focus", async () => endTimedStatus(await getDb(), userId, new Date(until)));
  },
);

/** A scheduled status: shown at its start, cleared at its end; cancelled with the schedule. */
export const runStatusSchedule = defineJob(
  {
    id: "run-status-schedule",
    name: "Show a scheduled status",
    events: ["status/schedule.created"],
    retries: 4,
    cancelOn: [{ event: "status/schedule.cancelled", match: "data.scheduleId" }],
  },
  async ({ event, step }) => {
    const { userId, scheduleId } = event.data;
    const times = await step.run("read-schedule", async () => scheduleTimes(await getDb(), userId, scheduleId));
    if (!times) return { skipped: "cancelled" };
    await step.sleepUntil("until-start", times.startAt);
    const started = await step.run("show", async () => startScheduledStatus(await getDb(), userId, scheduleId));
    if (!started.shown) return { skipped: "not shown" };
    await step.sleepUntil("until-end", times.endAt);
    return step.run("clear", async () => endScheduledStatus(await getDb(), userId, scheduleId));
  },
);

export const chatStatusJobs = [applyChatStatusJob, clearIdleStatus, endFocusSession, runStatusSchedule] as const;
