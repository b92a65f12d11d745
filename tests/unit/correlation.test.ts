import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  AUTHOR_FACTORS,
  CORRELATION_DEFAULTS,
  CORRELATION_LIMITS,
  CorrelationInputError,
  REPOSITORY_FACTORS,
  ZActivityPeriod,
  ZCommitForCorrelation,
  ZCorrelationInput,
  ZCorrelationOptions,
  correlateCommitsWithActivity,
  correlateCommitsWithActivityAllPairs,
  folderName,
  isoFromEpochMs,
  normalizeRepository,
  scoreCommitAgainstPeriod,
  type ActivityPeriod,
  type CommitForCorrelation,
  type CorrelationOptions,
  type CorrelationResult,
} from "~/lib/correlation";

// ---------------------------------------------------------------------------------------
// Helpers: minutes from a fixed origin, so cases read as a timeline.

const T0 = Date.parse("2026-03-02T09:00:00Z");
const MINUTE = 60_000;
const at = (minutes: number) => new Date(T0 + minutes * MINUTE).toISOString();
const hex = (n: number) => n.toString(16).padStart(7, "0");

const period = (id: string, from: number, to: number, extra: Partial<ActivityPeriod> = {}): ActivityPeriod => ({ id, start: at(from), end: at(to), ...extra });
const commit = (n: number, minute: number, extra: Partial<CommitForCorrelation> = {}): CommitForCorrelation => ({
  sha: hex(n),
  repository: "acme/devpulse",
  committedAt: at(minute),
  ...extra,
});

const ME = { emails: ["me@example.com"], logins: ["octocat"] };
const codes = (reasons: Array<{ code: string }>) => reasons.map((r) => r.code);
const bestOf = (result: CorrelationResult<ActivityPeriod, CommitForCorrelation>, sha: string) => result.commits.find((c) => c.sha === sha)?.best ?? null;

// ---------------------------------------------------------------------------------------

describe("correlateCommitsWithActivity: hand-made cases", () => {
  it("a commit inside a period of the same repository, by the user, scores 1 with its reasons", () => {
    const result = correlateCommitsWithActivity(
      [period("morning", 0, 60, { projectId: "p1" })],
      [commit(1, 30, { authorEmail: "Me@Example.com" })],
      { identities: ME, projects: [{ id: "p1", path: "/home/me/code/devpulse", repository: "git@github.com:acme/devpulse.git" }] },
    );
    const best = result.commits[0]!.best!;
    expect(best).toMatchObject({ periodId: "morning", score: 1, position: "inside", minutes: 0, factors: { time: 1, repository: 1, author: 1 } });
    expect(best.reasons).toEqual([
      { code: "inside_period", text: expect.any(String) },
      { code: "repository_match", via: "remote", text: expect.stringContaining("acme/devpulse") },
      { code: "author_match", via: "email", text: expect.any(String) },
    ]);
    expect(result.summary).toMatchObject({ commits: 1, matched: 1, unmatched: 0, periods: 1, periodsWithCommits: 1, activeMinutes: 60, byPosition: { inside: 1, after: 0, before: 0 } });
    expect(result.periods[0]).toMatchObject({ periodId: "morning", commitCount: 1, commits: [{ sha: hex(1), repository: "acme/devpulse", score: 1 }] });
  });

  it("a commit shortly after a period matches with a lower score and says how long after", () => {
    // No projects, no identities: time 1 − 12/30 = 0.6, repository unknown 0.7, author unknown 0.8.
    const result = correlateCommitsWithActivity([period("p", 0, 60)], [commit(1, 72)]);
    const best = result.commits[0]!.best!;
    expect(best.position).toBe("after");
    expect(best.score).toBeCloseTo(0.6 * REPOSITORY_FACTORS.unknown * AUTHOR_FACTORS.unknown, 12);
    expect(best.reasons[0]).toEqual({ code: "after_period", minutes: 12, text: "Committed 12 minutes after this activity ended" });
    expect(codes(best.reasons)).toEqual(["after_period", "repository_unknown", "author_unknown"]);
  });

  it("a commit far after a period (at or beyond the window) does not match", () => {
    const periods = [period("p", 0, 60, { repository: "acme/devpulse" })];
    for (const minute of [90, 95, 60 * 24]) {
      const result = correlateCommitsWithActivity(periods, [commit(1, minute)], { minScore: 0, identities: ME });
      expect(result.commits[0]!.best, `${minute - 60} min after`).toBeNull();
      expect(result.summary).toMatchObject({ matched: 0, unmatched: 1, periodsWithCommits: 0 });
    }
    // Just inside the window still matches (with minScore 0), barely.
    const barely = correlateCommitsWithActivity(periods, [commit(1, 89.5)], { minScore: 0 }).commits[0]!.best!;
    expect(barely.score).toBeGreaterThan(0);
    expect(barely.score).toBeLessThan(0.05);
  });

  it("a commit a little before a period matches within beforeWindowMinutes, not further", () => {
    const periods = [period("p", 0, 60, { repository: "acme/devpulse" })];
    const early = correlateCommitsWithActivity(periods, [commit(1, -3, { authorLogin: "OctoCat" })], { identities: ME }).commits[0]!.best!;
    expect(early).toMatchObject({ position: "before", minutes: 3 });
    expect(early.score).toBeCloseTo(1 - 3 / 5, 12);
    expect(early.reasons[0]).toMatchObject({ code: "before_period", minutes: 3 });
    expect(early.reasons[2]).toMatchObject({ code: "author_match", via: "login" });

    expect(correlateCommitsWithActivity(periods, [commit(1, -6)], { minScore: 0 }).commits[0]!.best).toBeNull();
    const wider = correlateCommitsWithActivity(periods, [commit(1, -6)], { beforeWindowMinutes: 10 }).commits[0]!.best;
    expect(wider?.position).toBe("before");
  });

  it("the repository decides between overlapping periods, whatever their order", () => {
    const periods = [
      period("devpulse", 0, 120, { repository: "https://github.com/Acme/DevPulse.git" }),
      period("other", 30, 90, { repository: "git@github.com:acme/other.git" }),
    ];
    const commits = [commit(1, 60, { repository: "acme/devpulse" }), commit(2, 61, { repository: "Acme/Other" })];
    const result = correlateCommitsWithActivity(periods, commits, { minScore: 0 });
    const first = bestOf(result, hex(1))!;
    expect(first.periodId).toBe("devpulse");
    expect(result.commits[0]!.matches.map((m) => m.periodId)).toEqual(["devpulse", "other"]);
    expect(result.commits[0]!.matches[1]!.reasons[1]).toMatchObject({ code: "repository_mismatch", via: "remote", project: "acme/other" });
    expect(bestOf(result, hex(2))!.periodId).toBe("other");
    // Without repository hints the later-started (more specific) period wins the tie.
    const plain = correlateCommitsWithActivity([period("devpulse", 0, 120), period("other", 30, 90)], [commit(1, 60)]);
    expect(plain.commits[0]!.matches.map((m) => m.periodId)).toEqual(["other", "devpulse"]);
    expect(plain.commits[0]!.matches[0]!.score).toBe(plain.commits[0]!.matches[1]!.score);
  });

  it("a matching project folder outranks a differently named one; a renamed clone still matches", () => {
    const projects = [
      { id: "dp", path: "C:\\Users\\me\\code\\DevPulse\\" },
      { id: "web", path: "/home/me/code/website" },
    ];
    const periods = [period("a", 0, 60, { projectId: "web" }), period("b", 0, 60, { projectId: "dp" })];
    const result = correlateCommitsWithActivity(periods, [commit(1, 30)], { projects, identities: ME, minScore: 0 });
    const [first, second] = result.commits[0]!.matches;
    expect(first).toMatchObject({ periodId: "b", factors: { repository: REPOSITORY_FACTORS.name_match } });
    expect(first!.reasons[1]).toMatchObject({ code: "repository_match", via: "folder" });
    expect(second).toMatchObject({ periodId: "a", factors: { repository: REPOSITORY_FACTORS.folder_mismatch } });
    // Alone, the renamed clone is still matched at the default minScore (folders are weak evidence).
    const alone = correlateCommitsWithActivity([periods[0]!], [commit(1, 30, { authorEmail: "me@example.com" })], { projects, identities: ME });
    expect(alone.commits[0]!.best?.periodId).toBe("a");
  });

  it("a commit by someone else scores lower and is not matched by default", () => {
    const periods = [period("p", 0, 60, { repository: "acme/devpulse" })];
    const mine = correlateCommitsWithActivity(periods, [commit(1, 30, { authorEmail: "me@example.com" })], { identities: ME }).commits[0]!.best!;
    const theirs = correlateCommitsWithActivity(periods, [commit(1, 30, { authorEmail: "teammate@example.com", authorName: "Tea Mate" })], {
      identities: ME,
      minScore: 0,
    }).commits[0]!.best!;
    expect(theirs.score).toBeLessThan(mine.score);
    expect(theirs.score).toBeCloseTo(AUTHOR_FACTORS.mismatch, 12);
    expect(theirs.reasons[2]).toMatchObject({ code: "author_mismatch" });
    expect(correlateCommitsWithActivity(periods, [commit(1, 30, { authorEmail: "teammate@example.com" })], { identities: ME }).summary.matched).toBe(0);
    // Nothing comparable (identities are emails/logins, the commit only has a name): unknown, not a mismatch.
    const nameOnly = correlateCommitsWithActivity(periods, [commit(1, 30, { authorName: "Someone" })], { identities: ME }).commits[0]!.best!;
    expect(nameOnly.reasons[2]).toMatchObject({ code: "author_unknown" });
    // GitHub's private noreply email identifies the login.
    const noreply = correlateCommitsWithActivity(periods, [commit(1, 30, { authorEmail: "583231+octocat@users.noreply.github.com" })], { identities: ME });
    expect(noreply.commits[0]!.best!.reasons[2]).toMatchObject({ code: "author_match", via: "login" });
  });

  it("among overlapping periods it picks the best, and keeps at most maxMatchesPerCommit", () => {
    const periods = [
      period("all-day", 0, 480), // unknown project, contains the commit
      period("focus", 100, 130, { repository: "git@github.com:acme/devpulse.git" }), // contains, remote matches
      period("just-before", 60, 112, { repository: "acme/devpulse" }), // ended 8 minutes before, remote matches
      period("elsewhere", 110, 125, { repository: "acme/other" }), // contains, wrong repository
      period("far", 0, 10, { repository: "acme/devpulse" }), // long before
    ];
    const result = correlateCommitsWithActivity(periods, [commit(1, 120)], { minScore: 0, maxMatchesPerCommit: 3 });
    const matches = result.commits[0]!.matches;
    expect(matches.map((m) => m.periodId)).toEqual(["focus", "just-before", "all-day"]);
    expect(matches.map((m) => m.score)).toEqual([...matches.map((m) => m.score)].sort((a, b) => b - a));
    // The commit counts for its best period only.
    expect(result.periods.find((p) => p.periodId === "focus")!.commitCount).toBe(1);
    expect(result.periods.filter((p) => p.commitCount > 0)).toHaveLength(1);
    // Overlapping periods count once in the active time: 0–480.
    expect(result.summary.activeMinutes).toBe(480);
    expect(result.summary.commitsPerActiveHour).toBeCloseTo(1 / 8, 4);
  });

  it("handles empty inputs", () => {
    const none = correlateCommitsWithActivity([], []);
    expect(none).toEqual({
      commits: [],
      periods: [],
      summary: {
        commits: 0,
        matched: 0,
        unmatched: 0,
        periods: 0,
        periodsWithCommits: 0,
        activeMinutes: 0,
        commitsPerActiveHour: null,
        averageBestScore: null,
        byPosition: { inside: 0, after: 0, before: 0 },
      },
      settings: CORRELATION_DEFAULTS,
    });
    const noPeriods = correlateCommitsWithActivity([], [commit(1, 0), commit(2, 5)]);
    expect(noPeriods.commits.map((c) => c.best)).toEqual([null, null]);
    expect(noPeriods.summary).toMatchObject({ commits: 2, unmatched: 2 });
    const noCommits = correlateCommitsWithActivity([period("p", 0, 30)], []);
    expect(noCommits.periods).toMatchObject([{ periodId: "p", commitCount: 0, commits: [], durationMinutes: 30 }]);
    expect(noCommits.summary).toMatchObject({ periods: 1, commits: 0, activeMinutes: 30, commitsPerActiveHour: 0 });
  });

  it("a period still running ends at `now` (or lasts no time without it)", () => {
    const running = { id: "running", start: at(0) } satisfies ActivityPeriod;
    expect(correlateCommitsWithActivity([running], [commit(1, 20)], { now: at(30) }).commits[0]!.best).toMatchObject({ position: "inside" });
    expect(correlateCommitsWithActivity([running], [commit(1, 20)], { now: new Date(T0 + 30 * MINUTE) }).periods[0]).toMatchObject({ open: true, end: at(30) });
    expect(correlateCommitsWithActivity([running], [commit(1, 20)], { minScore: 0 }).commits[0]!.best).toMatchObject({ position: "after", minutes: 20 });
  });

  it("accepts Dates and any time zone, and passes extra fields through", () => {
    const desktopActivity = { id: "a1", start: "2026-03-02T10:00:00+01:00", end: new Date(T0 + 60 * MINUTE), kind: "coding", app: "code" };
    const webhookCommit = { ...commit(1, 30), committedAt: "2026-03-02T04:30:00-05:00", message: "Fix it", url: "https://github.com/acme/devpulse/commit/1" };
    const result = correlateCommitsWithActivity([desktopActivity], [webhookCommit]);
    expect(result.commits[0]).toMatchObject({ commit: webhookCommit, committedAt: "2026-03-02T09:30:00.000Z", best: { periodId: "a1", position: "inside" } });
    expect(result.periods[0]!.period.kind).toBe("coding");
  });

  it("refuses unreadable times instead of guessing a time zone", () => {
    expect(() => correlateCommitsWithActivity([{ id: "p", start: "2026-03-02T09:00:00" }], [])).toThrow(CorrelationInputError);
    expect(() => correlateCommitsWithActivity([], [commit(1, 0, { committedAt: "yesterday" })])).toThrow(/committedAt of commit 0000001 must be an ISO 8601 date-time/);
    expect(() => correlateCommitsWithActivity([{ id: "p", start: at(10), end: at(0) }], [])).toThrow(/end of period "p" is before its start/);
    expect(() => correlateCommitsWithActivity([], [], { afterWindowMinutes: -5 })).toThrow(/afterWindowMinutes must not be negative/);
  });

  it("scoreCommitAgainstPeriod explains pairs outside the window with a zero score", () => {
    const far = scoreCommitAgainstPeriod(period("p", 0, 60, { repository: "acme/devpulse" }), commit(1, 200));
    expect(far).toMatchObject({ score: 0, position: "after", minutes: 140, factors: { time: 0 } });
    expect(codes(far.reasons)).toEqual(["after_period", "repository_match", "author_unknown"]);
  });
});

describe("repository and folder normalisation", () => {
  it.each([
    ["acme/devpulse", "acme/devpulse"],
    ["Acme/DevPulse.git", "acme/devpulse"],
    ["https://github.com/Acme/DevPulse.git/", "acme/devpulse"],
    ["https://github.com/acme/devpulse/tree/main/src", "acme/devpulse"],
    ["git@github.com:acme/devpulse.git", "acme/devpulse"],
    ["ssh://git@gitlab.example.com:2222/group/sub/project.git", "group/sub/project"],
    ["https://gitlab.com/group/sub/project/-/tree/main", "group/sub/project"],
    ["gitlab.com/group/project", "group/project"],
    ["  acme//devpulse/  ", "acme/devpulse"],
  ])("%s → %s", (raw, expected) => {
    expect(normalizeRepository(raw)).toBe(expected);
  });

  it.each([
    ["/home/me/code/DevPulse/", "devpulse"],
    ["C:\\Users\\me\\code\\app\\", "app"],
    ["/home/me/code/app/.git", "app"],
    ["~/repos/app.git", "app"],
    ["/", undefined],
  ])("folder of %s is %s", (path, expected) => {
    expect(folderName(path)).toBe(expected);
  });
});

describe("time parsing and formatting", () => {
  const RANGE = { min: Date.parse("0001-01-01T00:00:00Z"), max: Date.parse("9999-12-31T23:59:59.999Z") };

  it("reads every ISO date-time with any offset to the same instant as Date.parse, and formats like toISOString", () => {
    fc.assert(
      fc.property(fc.integer(RANGE), fc.integer({ min: -(23 * 60 + 59), max: 23 * 60 + 59 }), (ms, offsetMinutes) => {
        const iso = new Date(ms).toISOString();
        expect(isoFromEpochMs(ms)).toBe(iso);
        const shifted = ms + offsetMinutes * MINUTE;
        fc.pre(shifted >= RANGE.min && shifted <= RANGE.max);
        const abs = Math.abs(offsetMinutes);
        const zone = `${offsetMinutes < 0 ? "-" : "+"}${String(Math.floor(abs / 60)).padStart(2, "0")}:${String(abs % 60).padStart(2, "0")}`;
        const withOffset = `${new Date(shifted).toISOString().slice(0, 23)}${zone}`;
        const [committed] = correlateCommitsWithActivity([], [commit(1, 0, { committedAt: withOffset })]).commits;
        expect(committed!.committedAt).toBe(iso);
      }),
      { numRuns: 2_000 },
    );
  });

  it.each([
    ["2024-02-29T10:15Z", "2024-02-29T10:15:00.000Z"],
    ["2026-03-01T10:15:00.123456789+0100", "2026-03-01T09:15:00.123Z"],
    ["2026-03-01t10:15:00z", "2026-03-01T10:15:00.000Z"],
  ])("reads %s as %s", (text, expected) => {
    expect(correlateCommitsWithActivity([], [commit(1, 0, { committedAt: text })]).commits[0]!.committedAt).toBe(expected);
  });

  it.each(["2026-02-29T00:00:00Z", "2026-13-01T00:00:00Z", "2026-01-01T24:00:00Z", "2026-01-01T00:00:00", "2026-01-01T00:00:00+1", "2026-01-01T00:00:00.Z", "2026-01-01 00:00:00Z", ""])(
    "refuses %j",
    (text) => {
      expect(() => correlateCommitsWithActivity([], [commit(1, 0, { committedAt: text })])).toThrow(CorrelationInputError);
    },
  );
});

describe("input schemas (for the external.correlate endpoint)", () => {
  const validPeriod = { id: "a1", start: "2026-03-02T09:00:00Z", end: "2026-03-02T10:00:00+01:00" };
  const validCommit = { sha: "6dcb09b5b57875f334f61aebed695e2e4193db5e", repository: "acme/devpulse", committedAt: "2026-03-02T09:30:00Z" };
  const messages = (result: { success: boolean; error?: { issues: Array<{ path: PropertyKey[]; message: string }> } }) =>
    (result.error?.issues ?? []).map((issue) => `${issue.path.join(".")}: ${issue.message}`);

  it("accepts a desktop activity as it is (unknown fields dropped) and a commit:new payload plus author", () => {
    const parsed = ZActivityPeriod.parse({ ...validPeriod, kind: "coding", projectId: "p1" });
    expect(parsed).toEqual({ ...validPeriod, projectId: "p1" });
    expect(ZCommitForCorrelation.parse({ ...validCommit, provider: "github", message: "Fix", authorEmail: "me@example.com" })).toMatchObject(validCommit);
    expect(ZCorrelationInput.parse({ periods: [validPeriod], commits: [validCommit] })).toEqual({ periods: [validPeriod], commits: [validCommit] });
  });

  it("refuses invalid input with clear messages", () => {
    const result = ZCorrelationInput.safeParse({
      periods: [
        { id: "a1", start: "2026-03-02T10:00:00Z", end: "2026-03-02T09:00:00Z" },
        { id: "a2", start: "yesterday" },
        { id: "a3", start: "2026-03-02T09:00:00" },
        { id: "a1", start: "2026-03-02T09:00:00Z" },
        { id: "bad id!", start: "2026-03-02T09:00:00Z" },
      ],
      commits: [
        { ...validCommit, sha: "not-a-sha" },
        { ...validCommit, repository: "x".repeat(301) },
        { ...validCommit, url: "javascript:alert(1)" },
      ],
      options: { afterWindowMinutes: -1, minScore: 2, maxMatchesPerCommit: 0.5, identities: { emails: Array(51).fill("me@example.com") } },
    });
    expect(result.success).toBe(false);
    expect(messages(result)).toEqual(
      expect.arrayContaining([
        'periods.0.end: end is before start in period "a1"',
        "periods.1.start: start must be an ISO 8601 date-time with Z or an offset (like 2026-03-01T10:15:00Z) or a Date",
        "periods.2.start: start must be an ISO 8601 date-time with Z or an offset (like 2026-03-01T10:15:00Z) or a Date",
        'periods.3.id: Duplicate period id "a1" (also at index 0)',
        "periods.4.id: Record id may contain only letters, digits and . _ : @ -",
        "commits.0.sha: sha must be a hexadecimal commit hash",
        "commits.1.repository: repository is longer than 300 characters",
        "commits.2.url: url must be an http(s) URL",
        "options.afterWindowMinutes: afterWindowMinutes must not be negative",
        "options.minScore: minScore must be between 0 and 1",
        "options.maxMatchesPerCommit: maxMatchesPerCommit must be a whole number",
        "options.identities.emails: at most 50 emails",
      ]),
    );
  });

  it("bounds the request: at most 10,000 periods and 10,000 commits", () => {
    const periods = Array.from({ length: CORRELATION_LIMITS.periods + 1 }, (_, i) => ({ ...validPeriod, id: `p${i}` }));
    expect(messages(ZCorrelationInput.safeParse({ periods, commits: [] }))).toEqual(["periods: at most 10000 periods per request"]);
    const commits = Array.from({ length: CORRELATION_LIMITS.commits + 1 }, () => validCommit);
    expect(messages(ZCorrelationInput.safeParse({ periods: [], commits }))).toEqual(["commits: at most 10000 commits per request"]);
    expect(ZCorrelationInput.safeParse({ periods: periods.slice(1), commits: commits.slice(1) }).success).toBe(true);
  });

  it("refuses duplicate projects and windows longer than a day", () => {
    expect(messages(ZCorrelationOptions.safeParse({ projects: [{ id: "p" }, { id: "p" }], beforeWindowMinutes: 1441 }))).toEqual([
      "beforeWindowMinutes: beforeWindowMinutes must be at most 1440 (a day)",
      'projects.1.id: Duplicate project id "p" (also at index 0)',
    ]);
  });
});

// ---------------------------------------------------------------------------------------
// Properties. Small pools of repositories, folders and authors so that matches,
// mismatches and unknowns all occur often, and a 12-hour timeline so periods overlap.

const REMOTES = ["acme/a", "git@github.com:acme/a.git", "fork/a", "acme/b", "https://gitlab.com/grp/c.git"] as const;
const FOLDERS = ["/code/a", "C:\\code\\B\\", "/code/c", "/code/renamed"] as const;
const REPOSITORIES = ["acme/a", "Acme/B", "grp/c", "other/z"] as const;
const EMAILS = ["me@example.com", "you@example.com", "1+octocat@users.noreply.github.com"] as const;

const hintsArb = fc.record(
  {
    projectId: fc.constantFrom("p1", "p2", "p3", "missing"),
    projectPath: fc.constantFrom(...FOLDERS),
    repository: fc.constantFrom(...REMOTES),
  },
  { requiredKeys: [] },
);

const periodsArb = fc
  .array(fc.tuple(fc.integer({ min: 0, max: 720 }), fc.integer({ min: 0, max: 240 }), fc.boolean(), hintsArb), { maxLength: 25 })
  .map((rows) => rows.map(([from, length, open, hints], i): ActivityPeriod => ({ id: `p${i}`, start: at(from), ...(open && i % 3 === 0 ? {} : { end: at(from + length) }), ...hints })));

const commitsArb = fc
  .array(
    fc.tuple(
      fc.integer({ min: -60, max: 1000 }),
      fc.constantFrom(...REPOSITORIES),
      fc.record({ authorEmail: fc.constantFrom(...EMAILS), authorName: fc.constantFrom("Me", "You"), authorLogin: fc.constantFrom("octocat", "other") }, { requiredKeys: [] }),
    ),
    { maxLength: 25 },
  )
  .map((rows) => rows.map(([minute, repository, author], i): CommitForCorrelation => ({ sha: hex(i + 1), repository, committedAt: at(minute), ...author })));

const optionsArb: fc.Arbitrary<CorrelationOptions> = fc.record(
  {
    afterWindowMinutes: fc.constantFrom(0, 1, 10, 30, 90),
    beforeWindowMinutes: fc.constantFrom(0, 2, 5, 30),
    minScore: fc.oneof(fc.constantFrom(0, 0.25, 0.5), fc.double({ min: 0, max: 1, noNaN: true })),
    maxMatchesPerCommit: fc.integer({ min: 1, max: 5 }),
    identities: fc.record({ emails: fc.constant(["me@example.com"]), names: fc.constant(["Me"]), logins: fc.constant(["octocat"]) }, { requiredKeys: [] }),
    projects: fc.constant([
      { id: "p1", path: "/home/me/a", repository: "acme/a" },
      { id: "p2", path: "/home/me/b" },
      { id: "p3", repository: "ssh://git@gitlab.com/grp/c" },
    ]),
    now: fc.constant(at(800)),
  },
  { requiredKeys: [] },
);

function shuffled<T>(items: readonly T[], keys: readonly number[]): T[] {
  return items.map((item, i) => ({ item, key: keys[i % Math.max(1, keys.length)]! + i / 1e6 })).sort((a, b) => a.key - b.key).map((x) => x.item);
}

describe("correlateCommitsWithActivity: properties", () => {
  const RUNS = { numRuns: 400 };

  it("every score is in [0, 1], at least minScore, best first, and the product of its factors", () => {
    fc.assert(
      fc.property(periodsArb, commitsArb, optionsArb, (periods, commits, options) => {
        const result = correlateCommitsWithActivity(periods, commits, options);
        const k = options.maxMatchesPerCommit ?? CORRELATION_DEFAULTS.maxMatchesPerCommit;
        for (const c of result.commits) {
          expect(c.matches.length).toBeLessThanOrEqual(k);
          expect(c.best).toEqual(c.matches[0] ?? null);
          for (const [i, m] of c.matches.entries()) {
            expect(m.score).toBeGreaterThanOrEqual(Math.max(options.minScore ?? CORRELATION_DEFAULTS.minScore, Number.MIN_VALUE));
            expect(m.score).toBeLessThanOrEqual(1);
            for (const factor of Object.values(m.factors)) expect(factor >= 0 && factor <= 1).toBe(true);
            expect(m.score).toBeCloseTo(m.factors.time * m.factors.repository * m.factors.author, 12);
            if (i > 0) expect(m.score).toBeLessThanOrEqual(c.matches[i - 1]!.score);
          }
          expect(new Set(c.matches.map((m) => m.periodId)).size).toBe(c.matches.length);
        }
        expect(result.summary.matched + result.summary.unmatched).toBe(commits.length);
        expect(result.periods.reduce((sum, p) => sum + p.commitCount, 0)).toBe(result.summary.matched);
      }),
      RUNS,
    );
  });

  it("finds exactly what scoring every pair finds (the index misses no better period)", () => {
    fc.assert(
      fc.property(periodsArb, commitsArb, optionsArb, (periods, commits, options) => {
        expect(correlateCommitsWithActivity(periods, commits, options)).toEqual(correlateCommitsWithActivityAllPairs(periods, commits, options));
      }),
      { numRuns: 600 },
    );
  });

  it("finds exactly what scoring every pair finds when many periods overlap with equal scores", () => {
    // Many identical-looking periods around the same instant: the ties must be broken the same way.
    const crowd = fc
      .array(fc.tuple(fc.integer({ min: 0, max: 20 }), fc.integer({ min: 0, max: 20 }), fc.option(fc.constantFrom("acme/a", "acme/b"), { nil: undefined })), { minLength: 1, maxLength: 60 })
      .map((rows) => rows.map(([from, length, repository], i): ActivityPeriod => ({ id: `c${i}`, start: at(from), end: at(from + length), ...(repository ? { repository } : {}) })));
    fc.assert(
      fc.property(crowd, fc.array(fc.integer({ min: -10, max: 60 }), { maxLength: 10 }), fc.integer({ min: 1, max: 4 }), (periods, minutes, k) => {
        const commits = minutes.map((m, i) => commit(i + 1, m, { repository: "acme/a" }));
        const options = { minScore: 0, maxMatchesPerCommit: k };
        expect(correlateCommitsWithActivity(periods, commits, options)).toEqual(correlateCommitsWithActivityAllPairs(periods, commits, options));
      }),
      RUNS,
    );
  });

  it("moving a commit further from a period (after its end or before its start) never raises that pair's score", () => {
    fc.assert(
      fc.property(
        periodsArb.filter((ps) => ps.length > 0),
        commitsArb.filter((cs) => cs.length > 0),
        optionsArb,
        fc.constantFrom("after", "before"),
        fc.integer({ min: 0, max: 120 * MINUTE }),
        fc.integer({ min: 0, max: 120 * MINUTE }),
        (periods, commits, options, side, d1, d2) => {
          const p = periods[0]!;
          const start = Date.parse(p.start as string);
          const end = p.end === undefined ? Math.max(start, T0 + 800 * MINUTE) : Date.parse(p.end as string);
          const edge = side === "after" ? end : start;
          const place = (d: number) => ({ ...commits[0]!, committedAt: new Date(side === "after" ? edge + d : edge - d).toISOString() });
          const [near, far] = d1 <= d2 ? [place(d1), place(d2)] : [place(d2), place(d1)];
          const opts = { ...options, now: at(800) };
          expect(scoreCommitAgainstPeriod(p, far, opts).score).toBeLessThanOrEqual(scoreCommitAgainstPeriod(p, near, opts).score);
          // The same seen through the full function with that period alone (0 when not matched).
          const scoreOf = (c: CommitForCorrelation) => correlateCommitsWithActivity([p], [c], { ...opts, minScore: 0 }).commits[0]!.best?.score ?? 0;
          expect(scoreOf(far)).toBeLessThanOrEqual(scoreOf(near));
          // And from anywhere inside the period to outside it.
          const inside = { ...commits[0]!, committedAt: new Date(start + (end - start) / 2).toISOString() };
          expect(scoreOf(near)).toBeLessThanOrEqual(scoreOf(inside));
        },
      ),
      RUNS,
    );
  });

  it("the result does not depend on the order of periods or commits", () => {
    fc.assert(
      fc.property(periodsArb, commitsArb, optionsArb, fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 1, maxLength: 30 }), (periods, commits, options, keys) => {
        const reversedProjects = options.projects ? { ...options, projects: [...options.projects].reverse() } : options;
        expect(correlateCommitsWithActivity(shuffled(periods, keys), shuffled(commits, [...keys].reverse()), reversedProjects)).toEqual(
          correlateCommitsWithActivity(periods, commits, options),
        );
      }),
      RUNS,
    );
  });
});

// ---------------------------------------------------------------------------------------
// Size: a sanity guard only (bench/correlation.ts has the timing table).

/** Deterministic pseudo-random numbers (mulberry32). */
function random(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function workload(n: number, m: number, seed: number) {
  const rnd = random(seed);
  const projects = Array.from({ length: 20 }, (_, i) => ({ id: `proj${i}`, path: `/home/me/code/repo-${i}`, repository: `git@github.com:acme/repo-${i}.git` }));
  const periods: ActivityPeriod[] = [];
  let t = T0;
  for (let i = 0; i < n; i++) {
    const overlap = rnd() < 0.1 && i > 0;
    const start = overlap ? t - rnd() * 30 * MINUTE : (t += (1 + rnd() * 60) * MINUTE);
    const end = start + (5 + rnd() * 90) * MINUTE;
    t = Math.max(t, end);
    periods.push({ id: `a${i}`, start: new Date(start).toISOString(), end: new Date(end).toISOString(), ...(rnd() < 0.9 ? { projectId: `proj${Math.floor(rnd() * 20)}` } : {}) });
  }
  const span = t - T0;
  const commits: CommitForCorrelation[] = Array.from({ length: m }, (_, i) => ({
    sha: hex(i + 1),
    repository: `acme/repo-${Math.floor(rnd() * 22)}`,
    committedAt: new Date(T0 + rnd() * span).toISOString(),
    authorEmail: rnd() < 0.9 ? "me@example.com" : "teammate@example.com",
  }));
  return { periods, commits, options: { projects, identities: { emails: ["me@example.com"] } } satisfies CorrelationOptions };
}

describe("correlateCommitsWithActivity: size", () => {
  it("agrees with the all-pairs scan on 2,000 × 2,000 realistic periods and commits", () => {
    const { periods, commits, options } = workload(2_000, 2_000, 7);
    const fast = correlateCommitsWithActivity(periods, commits, options);
    expect(fast).toEqual(correlateCommitsWithActivityAllPairs(periods, commits, options));
    expect(fast.summary.matched).toBeGreaterThan(100);
  });

  it("correlates 10,000 periods × 10,000 commits in well under a second", () => {
    const { periods, commits, options } = workload(10_000, 10_000, 42);
    correlateCommitsWithActivity(periods.slice(0, 500), commits.slice(0, 500), options); // warm up the JIT
    const started = performance.now();
    const result = correlateCommitsWithActivity(periods, commits, options);
    const ms = performance.now() - started;
    console.log(`correlation: 10,000 periods × 10,000 commits in ${ms.toFixed(1)} ms (${result.summary.matched} matched)`);
    expect(result.commits).toHaveLength(10_000);
    expect(ms).toBeLessThan(1_500); // a generous sanity guard, not a timing test
  });

  it("stays fast when every period overlaps every commit (10,000 × 10,000)", () => {
    // The worst case for a sweep that visits every overlapping period: all periods span the whole day.
    const periods = Array.from({ length: 10_000 }, (_, i) => period(`day${i}`, -(i % 60), 24 * 60 + (i % 45), i % 2 ? { repository: `acme/repo-${i % 7}` } : {}));
    const commits = Array.from({ length: 10_000 }, (_, i) => commit(i + 1, (i * 7) % (24 * 60), { repository: `acme/repo-${i % 9}` }));
    const started = performance.now();
    const result = correlateCommitsWithActivity(periods, commits, { minScore: 0 });
    const ms = performance.now() - started;
    console.log(`correlation: 10,000 fully overlapping periods × 10,000 commits in ${ms.toFixed(1)} ms`);
    expect(result.commits.every((c) => c.matches.length === CORRELATION_DEFAULTS.maxMatchesPerCommit)).toBe(true);
    expect(ms).toBeLessThan(1_500);
  });
});
