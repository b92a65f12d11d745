import { createHash, randomUUID } from "node:crypto";
import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { getDb } from "~/server/db/client";
import { integrations } from "~/server/db/schema";
import { schemaTableNames } from "~/server/db/tables";
import { cacheCommits, type CachedCommit } from "~/server/integrations/git-sync";
import { errorOf, signedUpUser } from "../support/callers";

// external.correlate: activity periods sent in the request (decrypted on the client)
// against the commits cached for the signed-in user, with the user's connected
// accounts as the default identities. Nothing of the periods is kept.

const MINUTE = 60_000;
const T0 = Date.parse("2026-03-02T09:00:00Z");
const at = (minutes: number) => new Date(T0 + minutes * MINUTE).toISOString();
const shaOf = (label: string) => createHash("sha1").update(`${label}:${randomUUID()}`).digest("hex");

type Account = { provider: "github" | "gitlab"; login: string; name: string; emails: string[] };

function commit(label: string, minutes: number, fields: Partial<CachedCommit> & { provider?: "github" | "gitlab" } = {}): CachedCommit & { provider: "github" | "gitlab" } {
  const sha = shaOf(label);
  return {
    provider: "github",
    sha,
    repository: "acme/devpulse",
    message: `${label}\n\nWith a body that is not sent back.`,
    url: `https://github.example/acme/devpulse/commit/${sha}`,
    authorName: null,
    authorEmail: null,
    authorLogin: null,
    committedAt: at(minutes),
    additions: 10,
    deletions: 2,
    files: 1,
    ...fields,
  };
}

/** A user with connected accounts (integrations rows) and commits in their cache, as a sync leaves them. */
async function userWithCommits(label: string, accounts: Account[], commits: Array<ReturnType<typeof commit>>) {
  const { user, caller } = await signedUpUser(label);
  const db = await getDb();
  for (const account of accounts) {
    await db.insert(integrations).values({ userId: user.id, provider: account.provider, accountId: randomUUID(), accountLogin: account.login, accountName: account.name, accountEmails: account.emails });
  }
  for (const provider of ["github", "gitlab"] as const) {
    await cacheCommits(db, user.id, provider, commits.filter((entry) => entry.provider === provider).map(({ provider: _provider, ...rest }) => rest));
  }
  return { user, caller };
}

const ALICE: Account[] = [
  { provider: "github", login: "alice-gh", name: "Alice Example", emails: ["alice@example.com"] },
  { provider: "gitlab", login: "alice-gl", name: "Alice Example", emails: ["alice@work.example"] },
];

async function alice() {
  const commits = {
    inside: commit("Inside the morning, by email", 30, { authorEmail: "Alice@Example.com", authorName: "Alice Example" }),
    after: commit("Twelve minutes after, by login", 72, { authorLogin: "alice-gh" }),
    otherRepo: commit("Inside, but another repository", 45, { repository: "acme/billing", authorEmail: "alice@example.com" }),
    gitlab: commit("GitLab commit in the afternoon", 150, { provider: "gitlab", repository: "platform/devpulse", authorEmail: "alice@work.example", url: "https://gitlab.example/platform/devpulse/-/commit/x" }),
    colleague: commit("A colleague's commit", 160, { authorEmail: "bob@example.com", authorName: "Bob Other" }),
    longBefore: commit("Three days before", -3 * 24 * 60, { authorEmail: "alice@example.com" }),
    longAfter: commit("Five hours later", 5 * 60, { authorEmail: "alice@example.com" }),
  };
  const signedUp = await userWithCommits("corr-alice", ALICE, Object.values(commits));
  return { ...signedUp, commits };
}

/** Two periods: the morning in acme/devpulse (by its remote), the afternoon in a project whose folder is named devpulse. */
function periods() {
  const projectId = `project-${randomUUID()}`;
  const morning = { id: `morning-${randomUUID()}`, start: at(0), end: at(60), repository: "git@github.com:acme/devpulse.git" };
  // A Date (superjson) and a string with an offset: both the same instants as the Z forms.
  const afternoon = { id: `afternoon-${randomUUID()}`, start: new Date(T0 + 120 * MINUTE), end: "2026-03-02T13:00:00+01:00", projectId };
  return { morning, afternoon, projectId, folder: `/home/alice/code-${randomUUID()}/devpulse` };
}

describe("external.correlate", () => {
  it("matches the user's cached commits to the periods sent, with scores and reasons, and the connected accounts as identities", async () => {
    const { caller, commits } = await alice();
    const { morning, afternoon, projectId, folder } = periods();
    const result = await caller.external.correlate({ periods: [afternoon, morning], options: { projects: [{ id: projectId, path: folder }] } });

    // Only commits in the periods' range (widened by the windows) are considered.
    const considered = [commits.inside, commits.after, commits.otherRepo, commits.gitlab, commits.colleague];
    expect(result.commits.map((entry) => entry.sha).sort()).toEqual(considered.map((entry) => entry.sha).sort());
    const best = (entry: { sha: string }) => result.commits.find((candidate) => candidate.sha === entry.sha)!.best;

    expect(best(commits.inside)).toMatchObject({ periodId: morning.id, score: 1, position: "inside", minutes: 0 });
    expect(best(commits.inside)!.reasons).toEqual([
      { code: "inside_period", text: "Committed during this activity" },
      { code: "repository_match", via: "remote", text: "The activity's project is acme/devpulse" },
      { code: "author_match", via: "email", text: "You authored the commit (same email)" },
    ]);

    expect(best(commits.after)).toMatchObject({ periodId: morning.id, position: "after", minutes: 12, factors: { repository: 1, author: 1 } });
    expect(best(commits.after)!.score).toBeCloseTo(1 - 12 / 30, 10);
    expect(best(commits.after)!.reasons.map((reason) => reason.code)).toEqual(["after_period", "repository_match", "author_match"]);
    expect(best(commits.after)!.reasons[0]).toMatchObject({ text: "Committed 12 minutes after this activity ended" });
    expect(best(commits.after)!.reasons[2]).toMatchObject({ via: "login" });

    // The GitLab account's email identifies the GitLab commit; its project folder is named like the repository.
    expect(best(commits.gitlab)).toMatchObject({ periodId: afternoon.id, position: "inside", factors: { time: 1, repository: 0.9, author: 1 } });
    expect(best(commits.gitlab)!.reasons.slice(1)).toEqual([
      { code: "repository_match", via: "folder", text: `The activity's project folder "devpulse" is named like platform/devpulse` },
      { code: "author_match", via: "email", text: "You authored the commit (same email)" },
    ]);
    expect(result.commits.find((entry) => entry.sha === commits.gitlab.sha)!.commit).toMatchObject({ provider: "gitlab", repository: "platform/devpulse", message: "GitLab commit in the afternoon" });

    // Another repository during the morning, and a colleague's commit: below the default minScore.
    expect(best(commits.otherRepo)).toBeNull();
    expect(best(commits.colleague)).toBeNull();

    expect(result.summary).toMatchObject({ commits: 5, matched: 3, unmatched: 2, periods: 2, periodsWithCommits: 2, activeMinutes: 120, byPosition: { inside: 2, after: 1, before: 0 } });
    expect(result.periods.map((period) => [period.periodId, period.commitCount, period.start, period.end])).toEqual([
      [morning.id, 2, at(0), at(60)],
      [afternoon.id, 1, at(120), at(180)],
    ]);
    expect(result.settings).toEqual({ afterWindowMinutes: 30, beforeWindowMinutes: 5, minScore: 0.25, maxMatchesPerCommit: 3 });
  });

  it("options change the answer: a lower minScore shows the contradicted pairs, given identities replace the accounts'", async () => {
    const { caller, commits } = await alice();
    const { morning, afternoon, projectId, folder } = periods();
    const projects = [{ id: projectId, path: folder }];

    const everything = await caller.external.correlate({ periods: [morning, afternoon], options: { projects, minScore: 0 } });
    const otherRepo = everything.commits.find((entry) => entry.sha === commits.otherRepo.sha)!.best!;
    expect(otherRepo).toMatchObject({ periodId: morning.id, factors: { time: 1, repository: 0.2, author: 1 } });
    expect(otherRepo.reasons[1]).toEqual({ code: "repository_mismatch", via: "remote", project: "acme/devpulse", text: "The activity was in acme/devpulse, not acme/billing" });
    const colleague = everything.commits.find((entry) => entry.sha === commits.colleague.sha)!.best!;
    expect(colleague.reasons[2]).toEqual({ code: "author_mismatch", text: "The commit's author is not one of your identities" });

    const asBob = await caller.external.correlate({ periods: [morning, afternoon], options: { projects, identities: { emails: ["bob@example.com"] } } });
    expect(asBob.commits.find((entry) => entry.sha === commits.colleague.sha)!.best).toMatchObject({ periodId: afternoon.id, reasons: [expect.anything(), expect.anything(), { code: "author_match", via: "email" }] });
    expect(asBob.commits.find((entry) => entry.sha === commits.inside.sha)!.best).toBeNull(); // Alice's email is no longer "you"

    // A day-long window reaches the commit five hours later. The morning's remote (1 × (1 − 240/1440)) beats
    // the nearer afternoon's folder (0.9 × (1 − 120/1440)); both periods are listed, best first.
    const wide = await caller.external.correlate({ periods: [morning, afternoon], options: { projects, afterWindowMinutes: 24 * 60 } });
    const late = wide.commits.find((entry) => entry.sha === commits.longAfter.sha)!;
    expect(late.matches.map((match) => [match.periodId, match.position, match.minutes])).toEqual([
      [morning.id, "after", 240],
      [afternoon.id, "after", 120],
    ]);
    expect(late.matches[0]!.score).toBeCloseTo(1 - 240 / 1440, 10);
    expect(late.matches[1]!.score).toBeCloseTo(0.9 * (1 - 120 / 1440), 10);

    // A period still running lasts until `now`.
    const open = await caller.external.correlate({ periods: [{ id: "running", start: at(0) }], options: { now: at(60) } });
    // Nothing to compare the repository with (0.7): the two commits inside and the one 12 minutes after (0.6 × 0.7).
    expect(open.periods[0]).toMatchObject({ periodId: "running", open: true, end: at(60), commitCount: 3 });
    expect(await caller.external.correlate({ periods: [] })).toMatchObject({ commits: [], periods: [], summary: { commits: 0, periods: 0 } });
  });

  it("never stores the periods: their ids, projects and folders are in no table afterwards", async () => {
    const { caller } = await alice();
    const { morning, afternoon, projectId, folder } = periods();
    const result = await caller.external.correlate({ periods: [morning, afternoon], options: { projects: [{ id: projectId, path: folder }] } });
    expect(result.periods.map((period) => period.periodId)).toEqual([morning.id, afternoon.id]); // they were used…
    const db = await getDb();
    const tables = schemaTableNames();
    expect(tables).toContain("external_data_cache");
    for (const table of tables) {
      const rows = (await db.execute(sql.raw(`select * from "${table}"`))) as unknown as { rows?: unknown[] } | unknown[];
      const text = JSON.stringify(Array.isArray(rows) ? rows : rows.rows);
      for (const secret of [morning.id, afternoon.id, projectId, folder]) expect(text.includes(secret), `${secret} in ${table}`).toBe(false); // …and not kept
    }
  });

  it("answers bad input with BAD_REQUEST and a readable message", async () => {
    const { caller } = await alice();
    const bad = (input: unknown) => errorOf(() => caller.external.correlate(input as never));

    expect(await bad({ periods: [{ id: "backwards", start: at(60), end: at(0) }] })).toMatchObject({
      code: "BAD_REQUEST",
      message: 'Invalid input: periods.0.end: end is before start in period "backwards"',
    });
    const tooMany = Array.from({ length: 10_001 }, (_, i) => ({ id: `p${i}`, start: at(i), end: at(i + 1) }));
    expect(await bad({ periods: tooMany })).toMatchObject({ code: "BAD_REQUEST", message: "Invalid input: periods: at most 10000 periods per request" });
    expect(await bad({ periods: [{ id: "local", start: "2026-03-02T10:00:00", end: at(90) }] })).toMatchObject({
      code: "BAD_REQUEST",
      message: "Invalid input: periods.0.start: start must be an ISO 8601 date-time with Z or an offset (like 2026-03-01T10:15:00Z) or a Date",
    });
    expect(await bad({ periods: [{ id: "a", start: at(0) }, { id: "a", start: at(5) }] })).toMatchObject({ code: "BAD_REQUEST", message: expect.stringMatching(/Duplicate period id "a"/) });
    expect(await bad({ periods: [], options: { afterWindowMinutes: 2000 } })).toMatchObject({ code: "BAD_REQUEST", message: expect.stringMatching(/afterWindowMinutes must be at most 1440/) });
    expect(await bad({ periods: [{ id: "bad id!", start: at(0) }] })).toMatchObject({ code: "BAD_REQUEST", message: expect.stringMatching(/periods\.0\.id: Record id may contain only/) });

    // The limit itself is fine.
    const atLimit = await caller.external.correlate({ periods: tooMany.slice(0, 10_000) });
    expect(atLimit.summary).toMatchObject({ periods: 10_000, commits: 6 }); // all but the commit three days before
  });

  it("another user's commits never match, whatever identities are sent", async () => {
    const { caller: aliceCaller, commits: aliceCommits } = await alice();
    const bobsCommits = [
      commit("Bob inside the morning", 30, { authorEmail: "bob@example.com" }),
      commit("Bob in the afternoon", 150, { authorEmail: "bob@example.com" }),
    ];
    const bob = await userWithCommits("corr-bob", [{ provider: "github", login: "bob-gh", name: "Bob Other", emails: ["bob@example.com"] }], bobsCommits);
    const stranger = await signedUpUser("corr-stranger");
    const { morning, afternoon } = periods();

    const forAlice = await aliceCaller.external.correlate({ periods: [morning, afternoon], options: { minScore: 0 } });
    const aliceShas = new Set(Object.values(aliceCommits).map((entry) => entry.sha));
    expect(forAlice.commits.every((entry) => aliceShas.has(entry.sha))).toBe(true);
    expect(forAlice.commits.map((entry) => entry.sha)).not.toContain(bobsCommits[0]!.sha);

    for (const options of [{}, { minScore: 0, identities: { emails: ["alice@example.com", "alice@work.example"], logins: ["alice-gh"] } }]) {
      const forBob = await bob.caller.external.correlate({ periods: [morning, afternoon], options });
      expect(forBob.commits.map((entry) => entry.sha).sort()).toEqual(bobsCommits.map((entry) => entry.sha).sort());
    }
    const forBob = await bob.caller.external.correlate({ periods: [morning, afternoon] });
    expect(forBob.commits.find((entry) => entry.sha === bobsCommits[0]!.sha)!.best).toMatchObject({ periodId: morning.id, reasons: [expect.anything(), expect.anything(), { code: "author_match", via: "email" }] });

    const forStranger = await stranger.caller.external.correlate({ periods: [morning, afternoon], options: { minScore: 0, identities: { emails: ["alice@example.com", "bob@example.com"] } } });
    expect(forStranger.commits).toEqual([]);
    expect(forStranger.summary).toMatchObject({ commits: 0, matched: 0, periods: 2 });
  });
});
