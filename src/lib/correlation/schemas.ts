import { z } from "zod";
import { integrationProvider, SUMMARY_MAX } from "../realtime/events";
import { ZRecordId } from "../schemas/collections";
import { DATE_RANGE_MESSAGE, isInDateRange, ZText } from "../schemas/primitives";

/**
 * Input schemas for commit ↔ activity correlation. Every string and array is bounded,
 * so a request to the (future) `external.correlate` endpoint has a bounded size and a
 * bounded amount of work. Unknown fields are dropped, not refused: a desktop
 * `activities` value ({ projectId, start, end, kind, … }) plus its record id is a valid
 * period as it is.
 */

export const CORRELATION_LIMITS = {
  periods: 10_000,
  commits: 10_000,
  projects: 1_000,
  identitiesPerKind: 50,
  /** Widest time window before or after a period, in minutes (a day). */
  windowMinutes: 24 * 60,
  matchesPerCommit: 10,
  path: 4_096,
  repository: 1_000,
} as const;

const dateTimeMessage = (what: string) => `${what} must be an ISO 8601 date-time with Z or an offset (like 2026-03-01T10:15:00Z) or a Date`;

/** An ISO date-time with a zone (never local time: the result would depend on the machine), or a Date (superjson). */
const dateTime = (what: string) =>
  z
    .union([
      z.iso.datetime({ offset: true, error: dateTimeMessage(what) }).max(40, `${what} is longer than 40 characters`),
      z.date({ error: dateTimeMessage(what) }),
    ])
    // Periods are compared with cached commits in the database: only dates it can hold.
    .refine((value) => isInDateRange(epochMs(value)), `${what}: ${DATE_RANGE_MESSAGE}`);

function epochMs(value: string | Date) {
  return value instanceof Date ? value.getTime() : Date.parse(value);
}

const boundedString = (what: string, max: number) =>
  ZText.min(1, `${what} is empty`).max(max, `${what} is longer than ${max} characters`);

/** A span of activity from the desktop app, decrypted on the client. */
export const ZActivityPeriod = z
  .object({
    /** The activity's record id. Unique within one call. */
    id: ZRecordId,
    start: dateTime("start"),
    /** Missing while the activity is still running: see `now` in the options. */
    end: dateTime("end").optional(),
    /** The desktop project (see `projects` in the options for its path and remote). */
    projectId: ZRecordId.optional(),
    /** The project's local folder, if the caller resolved it; wins over the project's path. */
    projectPath: boundedString("projectPath", CORRELATION_LIMITS.path).optional(),
    /** The project's git remote or owner/name, if known; wins over the project's repository. */
    repository: boundedString("repository", CORRELATION_LIMITS.repository).optional(),
  })
  .superRefine((period, ctx) => {
    if (period.end !== undefined && epochMs(period.end) < epochMs(period.start)) {
      ctx.addIssue({ code: "custom", path: ["end"], message: `end is before start in period ${JSON.stringify(period.id)}` });
    }
  });

/** A commit as the GitHub/GitLab integration reports it (the `commit:new` fields plus the author). */
export const ZCommitForCorrelation = z.object({
  sha: z.hex({ error: "sha must be a hexadecimal commit hash" }).min(7, "sha is shorter than 7 characters").max(64, "sha is longer than 64 characters"),
  /** owner/name (GitHub), the project's full path (GitLab), or a remote URL. */
  repository: boundedString("repository", 300),
  committedAt: dateTime("committedAt"),
  provider: integrationProvider.extract(["github", "gitlab"]).optional(),
  authorEmail: boundedString("authorEmail", 320).optional(),
  authorName: boundedString("authorName", 200).optional(),
  /** The provider account (GitHub login / GitLab username), when the API resolved one. */
  authorLogin: boundedString("authorLogin", 100).optional(),
  /** First line only (see `summarize`); not used for scoring, passed through to the result. */
  message: ZText.max(SUMMARY_MAX.commitMessage, `message is longer than ${SUMMARY_MAX.commitMessage} characters`).optional(),
  url: z
    .url({ protocol: /^https?$/, error: "url must be an http(s) URL" })
    .max(1000, "url is longer than 1000 characters")
    .optional(),
});

/** A desktop project: where its code lives, to compare with commit repositories. */
export const ZCorrelationProject = z.object({
  id: ZRecordId,
  /** Local folder; its last segment is compared with the repository name. */
  path: boundedString("path", CORRELATION_LIMITS.path).optional(),
  /** Git remote URL or owner/name; compared with the whole repository path. */
  repository: boundedString("repository", CORRELATION_LIMITS.repository).optional(),
});

const identityList = (what: string, max: number) =>
  z
    .array(boundedString(what, max))
    .max(CORRELATION_LIMITS.identitiesPerKind, `at most ${CORRELATION_LIMITS.identitiesPerKind} ${what}s`)
    .optional();

const windowMinutes = (what: string) =>
  z
    .number({ error: `${what} must be a number of minutes` })
    .min(0, `${what} must not be negative`)
    .max(CORRELATION_LIMITS.windowMinutes, `${what} must be at most ${CORRELATION_LIMITS.windowMinutes} (a day)`)
    .optional();

/** Duplicate ids in a list of objects, as zod issues on the later occurrence. */
function refuseDuplicateIds(what: string) {
  return (items: ReadonlyArray<{ id: string }>, ctx: z.RefinementCtx) => {
    const firstIndex = new Map<string, number>();
    items.forEach((item, index) => {
      const first = firstIndex.get(item.id);
      if (first === undefined) firstIndex.set(item.id, index);
      else ctx.addIssue({ code: "custom", path: [index, "id"], message: `Duplicate ${what} id ${JSON.stringify(item.id)} (also at index ${first})` });
    });
  };
}

export const ZCorrelationOptions = z.object({
  /** How long after a period ends a commit still counts as its work (default 30). */
  afterWindowMinutes: windowMinutes("afterWindowMinutes"),
  /** How long before a period starts a commit can still belong to it (default 5: clocks and idle detection are imprecise). */
  beforeWindowMinutes: windowMinutes("beforeWindowMinutes"),
  /** Matches scoring below this are dropped (default 0.25). */
  minScore: z.number({ error: "minScore must be a number" }).min(0, "minScore must be between 0 and 1").max(1, "minScore must be between 0 and 1").optional(),
  /** Best periods kept per commit (default 3). */
  maxMatchesPerCommit: z
    .number({ error: "maxMatchesPerCommit must be a number" })
    .int("maxMatchesPerCommit must be a whole number")
    .min(1, "maxMatchesPerCommit must be at least 1")
    .max(CORRELATION_LIMITS.matchesPerCommit, `maxMatchesPerCommit must be at most ${CORRELATION_LIMITS.matchesPerCommit}`)
    .optional(),
  /** The user's git identities: a commit by anyone else scores low. */
  identities: z
    .object({
      emails: identityList("email", 320),
      names: identityList("name", 200),
      logins: identityList("login", 100),
    })
    .optional(),
  /** Desktop projects, to resolve a period's projectId to a folder and remote. */
  projects: z
    .array(ZCorrelationProject)
    .max(CORRELATION_LIMITS.projects, `at most ${CORRELATION_LIMITS.projects} projects`)
    .superRefine(refuseDuplicateIds("project"))
    .optional(),
  /** The end of periods that are still running (no `end`); without it they last no time. */
  now: dateTime("now").optional(),
});

/** The whole request of the `external.correlate` endpoint. */
export const ZCorrelationInput = z.object({
  periods: z
    .array(ZActivityPeriod)
    .max(CORRELATION_LIMITS.periods, `at most ${CORRELATION_LIMITS.periods} periods per request`)
    .superRefine(refuseDuplicateIds("period")),
  commits: z.array(ZCommitForCorrelation).max(CORRELATION_LIMITS.commits, `at most ${CORRELATION_LIMITS.commits} commits per request`),
  options: ZCorrelationOptions.optional(),
});

export type ActivityPeriod = z.infer<typeof ZActivityPeriod>;
export type CommitForCorrelation = z.infer<typeof ZCommitForCorrelation>;
export type CorrelationProject = z.infer<typeof ZCorrelationProject>;
export type CorrelationOptions = z.input<typeof ZCorrelationOptions>;
export type CorrelationInput = z.infer<typeof ZCorrelationInput>;
