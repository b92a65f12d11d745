import { randomBytes } from "node:crypto";
import { and, inArray, isNull, lte, or, eq } from "drizzle-orm";
import { afterAll, afterEach, beforeAll } from "vitest";
import { getDb } from "~/server/db/client";
import { jobRuns } from "~/server/db/schema";
import { resetCircuits } from "~/server/integrations/resilience";
import { CHAT_STATUS_TIMING, chatStatusJobs } from "~/server/jobs/functions/chat-status";
import { STATUS_WRITES } from "~/server/status/targets";
import type { SlackDouble } from "../doubles/slack/server";
import { signedUpUser } from "../support/callers";
import { connectThroughProvider } from "../support/integrations";
import { endSleepingRuns } from "../support/job-runs";

/** Shared by the status-*.test.ts files. */

const statusJobIds = chatStatusJobs.map((job) => job.id);
const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Waits until no status job run is running or due within `horizonMs` (a short sleep, like the
 * write spacing, is waited for; an idle timeout or a focus session's end is not).
 * The runner's own idle() would wait for those too: minutes.
 */
export async function settle(horizonMs = 4_000, timeoutMs = 15_000) {
  const db = await getDb();
  const deadline = Date.now() + timeoutMs;
  let quiet = 0;
  let busy: Array<{ runId: string; functionId: string; status: string; nextAt: Date | null; userId: string | null }> = [];
  while (Date.now() < deadline) {
    busy = await db
      .select({ runId: jobRuns.runId, functionId: jobRuns.functionId, status: jobRuns.status, nextAt: jobRuns.nextAt, userId: jobRuns.userId })
      .from(jobRuns)
      // The status jobs only: the suite shares one database, and runs other files left (an Inngest
      // test engine's, never finished) are not this file's to wait for.
      .where(and(inArray(jobRuns.functionId, statusJobIds), isNull(jobRuns.finishedAt), or(eq(jobRuns.status, "running"), lte(jobRuns.nextAt, new Date(Date.now() + horizonMs)))));
    // Twice quiet in a row: a step that just finished may send the next event.
    quiet = busy.length === 0 ? quiet + 1 : 0;
    if (quiet >= 2) return;
    await wait(25);
  }
  const seen = busy.map((run) => `${run.functionId} ${run.status} next ${run.nextAt?.toISOString() ?? "-"} user ${run.userId ?? "-"}`);
  throw new Error(`job runs did not settle in time: ${seen.slice(0, 10).join("; ")}${seen.length > 10 ? ` (+${seen.length - 10})` : ""}`);
}

/** Ends the status jobs' runs still sleeping (idle timeouts, focus ends, schedules) once a test is done with them. */
export const endSleepingStatusRuns = () => endSleepingRuns(statusJobIds);

/**
 * For one file: the write spacing shortened to `spacingMs` (10 s in production), and after
 * each test the runs settled, the sleeping ones ended, the idle debounce and circuits reset.
 */
export function useStatusTestTiming(spacingMs: number) {
  const saved = { spacingMs: STATUS_WRITES.spacingMs, idleDebounce: CHAT_STATUS_TIMING.idleDebounce.period };
  beforeAll(async () => {
    STATUS_WRITES.spacingMs = spacingMs;
  });
  afterAll(() => {
    STATUS_WRITES.spacingMs = saved.spacingMs;
    resetCircuits();
  });
  afterEach(async () => {
    CHAT_STATUS_TIMING.idleDebounce.period = saved.idleDebounce;
    await settle();
    await endSleepingStatusRuns();
    resetCircuits();
  });
}

/** A fresh DevPulse user connected to Slack as a Slack user of their own (statuses are per Slack user). */
export async function slackUser(slack: SlackDouble, label: string, before?: (slackId: string) => void) {
  const account = await signedUpUser(label);
  const slackId = `U${randomBytes(5).toString("hex").toUpperCase()}`;
  slack.addUser({ id: slackId, name: `${label}-${slackId.toLowerCase()}`, realName: label });
  slack.signInAs(slackId);
  before?.(slackId);
  const connected = await connectThroughProvider(account.user, "slack");
  return { ...account, slackId, connected };
}
