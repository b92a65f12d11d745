import { lt, type SQL } from "drizzle-orm";
import type { PgColumn } from "drizzle-orm/pg-core";

/**
 * In-progress states ("building" an export, "syncing" an integration) are set by a
 * request and cleared by the job that does the work. A crash between the two leaves
 * the state behind for good, and a page that polls while it lasts polls forever. So
 * every in-progress state gets a deadline, counted from when the work started: past
 * it, the work counts as failed and the user can start it again. One definition of
 * "past its deadline" for work whose deadline is fixed from its start (an export
 * build), and of what the user is told. An integration's sync stores its deadline
 * (integrations/sync-runs.ts), because waiting out a rate limit moves it; a row from
 * before that column is judged from its last change with this same test.
 */

/** The moment before which work that started has passed its deadline. */
const deadlineCutoff = (deadlineMs: number, now = new Date()) => new Date(now.getTime() - deadlineMs);

/** SQL: the work, started at `startedAt`, has passed its deadline. Combine it with the in-progress status. */
export const startedBeforeDeadline = (startedAt: PgColumn, deadlineMs: number, now = new Date()): SQL => lt(startedAt, deadlineCutoff(deadlineMs, now));

/** What the user reads on the failed item: why it failed and what to do. */
export const deadlineMessage = (work: string, deadlineMs: number) => `${work} did not finish within ${Math.round(deadlineMs / 60_000)} minutes: try again.`;
