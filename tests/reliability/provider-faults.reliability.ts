import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getDb } from "~/server/db/client";
import { jobRuns } from "~/server/db/schema";
import { RESILIENCE, resetCircuits } from "~/server/integrations/resilience";
import { getJobRunner, jobs } from "~/server/jobs/send";
import { startGoogleDouble } from "../doubles/google/server";
import { MICROSOFT_DOUBLE_DEFAULTS, startMicrosoftDouble } from "../doubles/microsoft/server";
import { startSlackDouble } from "../doubles/slack/server";
import { startDiscordDouble } from "../doubles/discord/server";
import { STATUS_WRITES } from "~/server/status/targets";
import { BUILT_IN_TEMPLATES } from "~/lib/status/templates";
import { endSleepingStatusRuns, settle as settleStatus, slackUser } from "../integration/status-helpers";
import type { FaultSpec } from "../doubles/shared/faults";
import { requestsBeforeReset, type LoggedRequest } from "../doubles/shared/http";
import { seededRandom } from "../../bench/lib/random";
import { signedUpUser } from "../support/callers";
import { useEnv } from "../support/env";
import { connectThroughProvider, startGitDoubles, startIntegrationRoutes } from "../support/integrations";
import { at, googleCalendarUser, settle } from "../integration/calendar-helpers";
import { measured, scaled } from "./support/figures";

/**
 * Fault injection during the git sync jobs: round after round, new commits appear at the provider and
 * one or two of the requests a sync makes fail (429 with Retry-After, a 403 rate limit, 410, 500, 503,
 * no answer before the request timeout, a reset connection, malformed JSON), chosen at random among the
 * paths a clean sync requests. Each round's sync must end as the resilience policy says (done, or an
 * error written for a person), never with a crash (an exception that is not a ProviderError); after a
 * rate limit no request may reach the provider before its reset; once the faults stop, one sync brings
 * every commit that appeared. Each round moves the double's clock by 30 s, so the full run covers 30
 * minutes of the provider's time (its rate-limit windows roll with it); waits for resets are real (1–2 s).
 *
 * The calendar syncs (Google, Microsoft Graph) run the same rounds (a new event each), with each provider's
 * own 410: every sync token invalidated (Google's fullSyncRequired) or every delta token expired (Graph's
 * SyncStateNotFound), so the next sync must read everything again.
 * The chat status on Slack runs rounds too: a heartbeat with a new activity each, one Slack API call of its
 * write failing; once the round settles Slack must show that activity (a failed write is retried, not dropped).
 * Slack's faults are its own: it answers a refusal as HTTP 200 `ok: false` (a 403 or 410 is not Slack's), and
 * an outage as 5xx or `ok: false` internal_error, which is retried like one.
 * The team status message on Discord runs the same rounds: its 429 is Discord's (`retry_after` in the body and
 * Retry-After), its outage a 500, 502 or 503; once a round settles the user's message must say the round's activity.
 * Every provider's request timeout is the shared policy's (RESILIENCE.requestTimeoutMs), so "no answer" is a
 * real timeout for each of them.
 */

const ROUNDS = scaled(60, 8);
const SEED = 20_261_206;
const TIMEOUT_MS = 400;

type FaultKind = "429 with Retry-After" | "403 rate limit" | "410" | "500" | "503" | "no answer (timeout)" | "reset connection" | "malformed JSON";
const KINDS: FaultKind[] = ["429 with Retry-After", "403 rate limit", "410", "500", "503", "no answer (timeout)", "reset connection", "malformed JSON"];
const SLACK_KINDS = ["429 with Retry-After", "ok: false internal_error", "500", "503", "no answer (timeout)", "reset connection", "malformed JSON"] as const;
const DISCORD_KINDS = ["429 with Retry-After", "500", "502", "503", "no answer (timeout)", "reset connection", "malformed JSON"] as const;

function discordFaultFor(kind: (typeof DISCORD_KINDS)[number], path: string, method: string): FaultSpec {
  if (kind === "429 with Retry-After") return { path, method, status: 429, headers: { "retry-after": "1", "x-ratelimit-scope": "user" }, body: { message: "You are being rate limited.", retry_after: 1, global: false } };
  if (kind === "502") return { path, method, status: 502 };
  return { ...faultFor("github", kind, path).spec, method };
}

function slackFaultFor(kind: (typeof SLACK_KINDS)[number], path: string): FaultSpec {
  return kind === "ok: false internal_error" ? { path, status: 200, body: { ok: false, error: "internal_error" } } : faultFor("github", kind, path).spec;
}

/** The fault as the double serves it at `path`; `resetAt` for a rate limit, so the requests after it can be checked. */
function faultFor(provider: "github" | "gitlab" | "google" | "microsoft", kind: FaultKind, path: string): { spec: FaultSpec; resetAfterMs?: number } {
  switch (kind) {
    case "429 with Retry-After":
      return { spec: { path, status: 429, headers: { "retry-after": "1" } }, resetAfterMs: 1000 };
    case "403 rate limit":
      // GitHub's primary limit (remaining 0 and a reset time); Google's rateLimitExceeded (no reset given: backed off);
      // GitLab and Graph rate-limit with 429 only, so a 403 there is a plain refusal.
      if (provider === "github") return { spec: { path, status: 403, headers: { "x-ratelimit-remaining": "0", "x-ratelimit-reset": String(Math.ceil(Date.now() / 1000) + 2) }, body: { message: "API rate limit exceeded" } }, resetAfterMs: 1000 };
      if (provider === "google") return { spec: { path, status: 403, body: { error: { code: 403, message: "Rate Limit Exceeded", errors: [{ domain: "usageLimits", reason: "rateLimitExceeded", message: "Rate Limit Exceeded" }] } } } };
      return { spec: { path, status: 403, body: { message: "403 Forbidden" } } };
    case "410":
      return { spec: { path, status: 410, body: { message: "Gone" } } };
    case "500":
      return { spec: { path, status: 500 } };
    case "503":
      return { spec: { path, status: 503 } };
    case "no answer (timeout)":
      return { spec: { path, status: 200, delayMs: TIMEOUT_MS * 3, body: "{}" } };
    case "reset connection":
      return { spec: { path, networkError: true } };
    case "malformed JSON":
      return { spec: { path, status: 200, headers: { "content-type": "application/json" }, body: '{"truncated": [' } };
  }
}

/** "429 with Retry-After × 3, 500 × 1" */
const tally = (counts: Map<string, number>) => [...counts].map(([what, times]) => `${what} × ${times}`).join(", ");

/** The user's job runs that failed with a programming error rather than a ProviderError written for a person. */
async function crashedRuns(userId: string): Promise<string[]> {
  const runs = await (await getDb()).select({ error: jobRuns.error }).from(jobRuns).where(eq(jobRuns.userId, userId));
  return runs.flatMap((run) => (run.error && /TypeError|ReferenceError|SyntaxError|Cannot read|is not a function|undefined/.test(run.error) ? [run.error.slice(0, 200)] : []));
}

let github: Awaited<ReturnType<typeof startGitDoubles>>["github"];
let gitlab: Awaited<ReturnType<typeof startGitDoubles>>["gitlab"];
let google: Awaited<ReturnType<typeof startGoogleDouble>>;
let microsoft: Awaited<ReturnType<typeof startMicrosoftDouble>>;
let slack: Awaited<ReturnType<typeof startSlackDouble>>;
let discord: Awaited<ReturnType<typeof startDiscordDouble>>;
let app: Awaited<ReturnType<typeof startIntegrationRoutes>>;
const saved = { ...RESILIENCE };
beforeAll(async () => {
  app = await startIntegrationRoutes();
  ({ github, gitlab } = await startGitDoubles(app.url));
  google = await startGoogleDouble({ autoApprove: true, demo: false });
  google.addRedirectUri(`${app.url}/api/integrations/google/callback`);
  microsoft = await startMicrosoftDouble({ autoApprove: true, demo: false });
  microsoft.addRedirectUri(`${app.url}/api/integrations/microsoft/callback`);
  slack = await startSlackDouble({ autoApprove: true });
  slack.addRedirectUri(`${app.url}/api/integrations/slack/callback`);
  discord = await startDiscordDouble({ autoApprove: true });
  discord.addRedirectUri(`${app.url}/api/integrations/discord/callback`);
  // Short waits, so a round takes about a second: the policy is the same, its constants smaller.
  Object.assign(RESILIENCE, { backoffBaseMs: 5, maxInlineWaitMs: 3_000, requestTimeoutMs: TIMEOUT_MS, breakerOpenMs: 200 });
});
afterAll(async () => {
  Object.assign(RESILIENCE, saved);
  resetCircuits();
  await Promise.all([app?.close(), github?.close(), gitlab?.close(), google?.close(), microsoft?.close(), slack?.close(), discord?.close()]);
});
useEnv(() => ({ APP_URL: app.url, ...github.appEnv, ...gitlab.appEnv, ...google.appEnv, ...microsoft.appEnv, MICROSOFT_TENANT: "common", ...slack.appEnv, ...discord.appEnv }));

describe("provider faults during sync jobs", () => {
  it("git syncs survive every fault, wait out every rate limit, and converge once the faults stop", { timeout: 20 * 60_000 }, async () => {
    const findings: string[] = [];
    const injected = new Map<string, number>();
    const outcomes = new Map<string, number>();
    let rounds = 0;
    const figure = await measured({ area: "Providers and engines", check: "Provider faults during git sync jobs (GitHub, GitLab): 429, 403 rate limit, 410, 500, 503, timeout, reset connection, malformed JSON at random requests", trials: "faulted syncs" }, async () => {
      for (const provider of ["github", "gitlab"] as const) {
        const double = provider === "github" ? github : gitlab;
        const random = seededRandom(SEED + provider.length);
        const { user, caller } = await signedUpUser(`faults-${provider}`);
        await connectThroughProvider(user, provider);
        // The paths a clean sync requests: where the faults go.
        double.reset();
        await caller.integrations.sync({ provider });
        await getJobRunner().idle();
        const paths = [...new Set(double.requests.map((request) => request.path))];
        const added: string[] = [];
        const target = provider === "github" ? "octo-dev/devpulse-desktop" : "gitlab-dev/infra-scripts";

        for (let round = 0; round < ROUNDS; round++) {
          rounds++;
          double.reset();
          double.advanceTime(30_000);
          const at = new Date(Math.floor(Date.now() / 1000) * 1000);
          const commits =
            provider === "github"
              ? github.addCommits(target, [{ message: `fault round ${round}`, authorLogin: "octo-dev", authorName: "Octo Dev", authorEmail: "octo-dev@users.noreply.github.com", additions: 1, deletions: 0, date: at.toISOString() }])
              : gitlab.addCommits(target, [{ message: `fault round ${round}`, authorName: "GitLab Dev", authorEmail: "gitlab.dev@example.com", date: at, additions: 1, deletions: 0 }]);
          added.push(...commits.map((commit) => commit.sha));
          const limits: Array<{ path: string; resetAfterMs: number }> = [];
          const faults = 1 + Math.floor(random() * 2);
          for (let fault = 0; fault < faults; fault++) {
            const kind = KINDS[Math.floor(random() * KINDS.length)]!;
            const path = paths[Math.floor(random() * paths.length)]!;
            const { spec, resetAfterMs } = faultFor(provider, kind, path);
            double.failNext(spec);
            injected.set(kind, (injected.get(kind) ?? 0) + 1);
            if (resetAfterMs) limits.push({ path, resetAfterMs });
          }
          try {
            await caller.integrations.sync({ provider });
          } catch (error) {
            findings.push(`${provider} round ${round}: integrations.sync threw ${error instanceof Error ? error.message : String(error)}`);
          }
          await getJobRunner().idle();
          const status = await caller.integrations.status({ provider });
          const outcome = status.lastError ? `${status.state}: ${status.lastError.replace(/\d{4}-\d\d-\d\dT[\d:.]+Z/g, "<time>").slice(0, 80)}` : status.state;
          outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
          const limitedAnswers = double.requests.flatMap((request, index) => {
            const limit = request.fault && (request.status === 429 || request.status === 403) ? limits.find((each) => each.path === request.path) : undefined;
            return limit ? [{ index, resetAfterMs: limit.resetAfterMs }] : [];
          });
          for (const early of requestsBeforeReset(double.requests, limitedAnswers)) findings.push(`${provider} round ${round}: ${early.method} ${early.path} before the rate limit's reset`);
        }

        for (const crash of await crashedRuns(user.id)) findings.push(`${provider}: a job crashed: ${crash}`);

        // The faults stop: one sync brings every commit that appeared.
        double.reset();
        resetCircuits();
        await caller.integrations.sync({ provider });
        await getJobRunner().idle();
        const cached = new Set((await caller.external.commits({ since: new Date(Date.now() - 2 * 86_400_000), limit: 5000 })).map((commit) => commit.sha));
        const missing = added.filter((sha) => !cached.has(sha));
        if (missing.length) findings.push(`${provider}: ${missing.length} of ${added.length} commits missing after the faults stopped`);
        const final = await caller.integrations.status({ provider });
        if (final.state !== "connected") findings.push(`${provider}: after the faults stopped the integration is ${final.state} (${final.lastError})`);
      }
      return {
        tried: rounds,
        lost: findings.length,
        detail: `${ROUNDS} rounds per provider, each 30 s of the double's clock (${(ROUNDS * 30) / 60} minutes of provider time), a new commit and 1–2 faults each; faults injected: ${tally(injected)}; how the rounds' syncs ended: ${tally(outcomes)}; a finding is a crash, a request before a rate limit's reset, a commit missing once the faults stopped, or an integration not connected then; findings: ${findings.join("; ") || "none"}`,
      };
    });
    expect(findings).toEqual([]);
    expect(figure.lost).toBe(0);
  });

  it("Google Calendar syncs survive every fault, read everything again after a 410, and converge once the faults stop", { timeout: 20 * 60_000 }, async () => {
    const findings: string[] = [];
    const injected = new Map<string, number>();
    const figure = await measured({ area: "Providers and engines", check: "Provider faults during Google Calendar syncs: 429, 403 rate limit, 410 fullSyncRequired, 500, 503, timeout, reset connection, malformed JSON", trials: "faulted syncs" }, async () => {
      const random = seededRandom(SEED + 7);
      const { user, caller, googleEmail } = await googleCalendarUser(google, "faults-google");
      const sync = async () => {
        await jobs.send({ name: "calendar/sync.requested", data: { userId: user.id, provider: "google" } });
        await settle();
      };
      google.reset();
      await sync();
      const paths = [...new Set(google.requests.map((request) => request.path))];
      let fullResyncs = 0;
      for (let round = 0; round < ROUNDS; round++) {
        google.reset();
        google.advanceTime(30_000);
        // A new hour-long event each round, in its own slot; its push notification asks for a sync too.
        await google.createEventByHand(googleEmail, { summary: `round ${round}`, start: at(2 + Math.floor(round / 10), round % 10), end: at(2 + Math.floor(round / 10), (round % 10) + 1) });
        const kind = KINDS[Math.floor(random() * KINDS.length)]!;
        injected.set(kind, (injected.get(kind) ?? 0) + 1);
        if (kind === "410") google.invalidateSyncTokens(googleEmail);
        else {
          const path = paths[Math.floor(random() * paths.length)]!;
          google.failNext(faultFor("google", kind, path).spec);
        }
        await sync();
        if (kind === "410") {
          // After the 410 some events list went out without a sync token: a full read.
          const listed = google.requests.filter((request) => request.path.endsWith("/events") && request.method === "GET");
          if (listed.some((request) => request.status === 410) && listed.some((request) => request.status === 200 && !("syncToken" in request.query))) fullResyncs++;
          else findings.push(`round ${round}: no full resync after the 410 (${listed.map((request) => `${request.status}${"syncToken" in request.query ? " incremental" : " full"}`).join(", ")})`);
        }
      }
      for (const crash of await crashedRuns(user.id)) findings.push(`a job crashed: ${crash}`);

      // The faults stop: one sync, and the cached week is Google's.
      google.reset();
      resetCircuits();
      await sync();
      const range = { from: at(0, 0), to: at(2 + Math.ceil(ROUNDS / 10) + 1, 0) };
      const cached = (await caller.calendar.events(range)).map((event) => event.startTime.toISOString()).sort();
      const truth = google
        .events(googleEmail)
        .map((event) => new Date((event.start as { dateTime: string }).dateTime).toISOString())
        .filter((start) => start >= range.from.toISOString() && start < range.to.toISOString())
        .sort();
      if (JSON.stringify(cached) !== JSON.stringify(truth)) findings.push(`after the faults stopped the cache holds ${cached.length} events, Google ${truth.length}`);
      return {
        tried: ROUNDS,
        lost: findings.length,
        detail: `${ROUNDS} rounds, a new event and one fault each; faults: ${tally(injected)}; ${fullResyncs} full resyncs after the 410s; at the end the cache held the ${truth.length} events Google holds; findings: ${findings.join("; ") || "none"}`,
      };
    });
    expect(findings).toEqual([]);
    expect(figure.lost).toBe(0);
  });

  it("Outlook calendar syncs survive every fault, read everything again after a 410, and converge once the faults stop", { timeout: 20 * 60_000 }, async () => {
    const findings: string[] = [];
    const injected = new Map<string, number>();
    const figure = await measured({ area: "Providers and engines", check: "Provider faults during Outlook calendar syncs (Microsoft Graph): 429, 403, 410 SyncStateNotFound, 500, 503, timeout, reset connection, malformed JSON", trials: "faulted syncs" }, async () => {
      const random = seededRandom(SEED + 11);
      const ana = MICROSOFT_DOUBLE_DEFAULTS.people[0]!;
      const { user, caller } = await signedUpUser("faults-microsoft");
      microsoft.signInAs(ana.id);
      await connectThroughProvider(user, "microsoft", { dueWithinMs: 3_000 });
      const sync = async () => {
        await jobs.send({ name: "calendar/sync.requested", data: { userId: user.id, provider: "microsoft" } });
        await settle();
      };
      microsoft.reset();
      await sync();
      const paths = [...new Set(microsoft.requests.map((request) => request.path))];
      const isDelta = (request: LoggedRequest) => request.method === "GET" && request.path.endsWith("/calendarView/delta");
      const withCursor = (request: LoggedRequest) => "$deltatoken" in request.query || "$skiptoken" in request.query;
      let fullResyncs = 0;
      for (let round = 0; round < ROUNDS; round++) {
        microsoft.reset();
        microsoft.advanceTime(30_000);
        // A new hour-long event each round, in its own slot; Graph's change notification asks for a sync too.
        await microsoft.createEventByHand({ subject: `round ${round}`, start: at(2 + Math.floor(round / 10), round % 10), end: at(2 + Math.floor(round / 10), (round % 10) + 1), userId: ana.id });
        await settle();
        microsoft.reset();
        const kind = KINDS[Math.floor(random() * KINDS.length)]!;
        injected.set(kind, (injected.get(kind) ?? 0) + 1);
        if (kind === "410") microsoft.expireDeltaTokens();
        else microsoft.failNext(faultFor("microsoft", kind, paths[Math.floor(random() * paths.length)]!).spec);
        await sync();
        if (kind === "410") {
          const listed = microsoft.requests.filter(isDelta);
          if (listed.some((request) => request.status === 410) && listed.some((request) => request.status === 200 && !withCursor(request))) fullResyncs++;
          else findings.push(`round ${round}: no full resync after the 410 (${listed.map((request) => `${request.status}${withCursor(request) ? " incremental" : " full"}`).join(", ")})`);
        }
        const limited = microsoft.requests.flatMap((request, index) => (request.fault && request.status === 429 ? [{ index, resetAfterMs: 1000 }] : []));
        for (const early of requestsBeforeReset(microsoft.requests, limited)) findings.push(`round ${round}: ${early.method} ${early.path} before the rate limit's reset`);
      }
      for (const crash of await crashedRuns(user.id)) findings.push(`a job crashed: ${crash}`);

      // The faults stop: one sync, and the cached days are Outlook's.
      microsoft.reset();
      resetCircuits();
      await sync();
      const range = { from: at(0, 0), to: at(2 + Math.ceil(ROUNDS / 10) + 1, 0) };
      const cached = (await caller.calendar.events(range)).filter((event) => event.provider === "microsoft").map((event) => event.startTime.toISOString()).sort();
      const truth = microsoft
        .calendarView(range.from, range.to, { userId: ana.id })
        .map((event) => new Date(`${(event.start as { dateTime: string }).dateTime.slice(0, 23)}Z`).toISOString())
        .sort();
      if (JSON.stringify(cached) !== JSON.stringify(truth)) findings.push(`after the faults stopped the cache holds ${cached.length} events, Outlook ${truth.length}`);
      const status = await caller.integrations.status({ provider: "microsoft" });
      if (status.state !== "connected") findings.push(`after the faults stopped the integration is ${status.state} (${status.lastError})`);
      return {
        tried: ROUNDS,
        lost: findings.length,
        detail: `${ROUNDS} rounds, a new event and one fault each; faults: ${tally(injected)}; ${fullResyncs} full resyncs after the 410s; at the end the cache held the ${truth.length} events Outlook holds; findings: ${findings.join("; ") || "none"}`,
      };
    });
    expect(findings).toEqual([]);
    expect(figure.lost).toBe(0);
  });

  it("the Slack status survives every fault: each round's heartbeat shows at Slack once the round settles", { timeout: 20 * 60_000 }, async () => {
    const { caller, slackId, user } = await slackUser(slack, "faults-slack");
    const textOf = (activity: Activity) => BUILT_IN_TEMPLATES.find((template) => template.key === activity)!.slack.text;
    await statusWriteRounds({
      check: "Provider faults during chat status writes (Slack): 429, ok: false internal_error, 500, 503, timeout, reset connection, malformed JSON",
      seed: SEED + 13,
      double: slack,
      kinds: SLACK_KINDS,
      faultFor: (kind, call) => ({ ...slackFaultFor(kind, call.path), method: call.method }),
      caller,
      userId: user.id,
      shown: () => slack.status(slackId).status_text,
      expected: (activity) => textOf(activity),
    });
  });

  it("the Discord status message survives every fault: each round's heartbeat shows in the channel once the round settles", { timeout: 20 * 60_000 }, async () => {
    const { caller, user } = await signedUpUser("faults-discord");
    await connectThroughProvider(user, "discord");
    const channel = discord.channels.status!;
    await caller.status.discord.chooseChannel({ channelId: channel });
    const mine = () => discord.messages(channel).filter((message) => message.content.includes("faults-discord"));
    // The message's text follows the user's name: what a clean write of each activity showed is the expectation.
    const cleanText = new Map<Activity, string | undefined>();
    await statusWriteRounds({
      check: "Provider faults during chat status writes (Discord): 429 with Retry-After, 500, 502, 503, timeout, reset connection, malformed JSON",
      seed: SEED + 17,
      double: discord,
      kinds: DISCORD_KINDS,
      faultFor: (kind, call) => discordFaultFor(kind, call.path, call.method),
      caller,
      userId: user.id,
      shown: () => mine()[0]?.content,
      afterCleanWrite: (activity) => void cleanText.set(activity, mine()[0]?.content),
      expected: (activity) => cleanText.get(activity),
      alsoAFinding: { what: "a second status message", found: () => (mine().length > 1 ? [`${mine().length} status messages in the channel, one expected`] : []) },
    });
  });
});

type Activity = "coding" | "debugging";
type StatusDouble = { reset(): void; advanceTime(ms: number): void; failNext(fault: FaultSpec): void; readonly requests: readonly LoggedRequest[] };

/**
 * Rounds of faulted chat status writes, for one chat provider: clean writes of each activity first (the
 * requests they make are where the faults go), then each round moves the double's clock by 30 s, fails one
 * of those requests with a fault of `kinds`, and sends a heartbeat with the other activity. Once the round
 * settles the provider must show that activity. A finding is a crash, a request before a 429's reset, a
 * wrong status, or `alsoAFinding`.
 */
async function statusWriteRounds<Kind extends string>(options: {
  check: string;
  seed: number;
  double: StatusDouble;
  kinds: readonly Kind[];
  faultFor: (kind: Kind, call: LoggedRequest) => FaultSpec;
  caller: Awaited<ReturnType<typeof signedUpUser>>["caller"];
  userId: string;
  shown: () => string | undefined;
  expected: (activity: Activity) => string | undefined;
  afterCleanWrite?: (activity: Activity) => void;
  alsoAFinding?: { what: string; found: () => string[] };
}) {
  const { double, caller } = options;
  const findings: string[] = [];
  const injected = new Map<string, number>();
  const spacing = STATUS_WRITES.spacingMs;
  STATUS_WRITES.spacingMs = 200;
  const heartbeat = async (activity: Activity) => {
    await new Promise((resolve) => setTimeout(resolve, STATUS_WRITES.spacingMs));
    await caller.status.heartbeat({ activity });
  };
  try {
    const figure = await measured({ area: "Providers and engines", check: options.check, trials: "faulted status writes" }, async () => {
      const random = seededRandom(options.seed);
      double.reset();
      for (const activity of ["coding", "debugging"] as const) {
        await heartbeat(activity);
        await settleStatus();
        options.afterCleanWrite?.(activity);
      }
      const calls = [...new Map(double.requests.map((request) => [`${request.method} ${request.path}`, request])).values()];
      for (let round = 0; round < ROUNDS; round++) {
        double.reset();
        double.advanceTime(30_000);
        const activity: Activity = round % 2 === 0 ? "coding" : "debugging";
        const kind = options.kinds[Math.floor(random() * options.kinds.length)]!;
        injected.set(kind, (injected.get(kind) ?? 0) + 1);
        double.failNext(options.faultFor(kind, calls[Math.floor(random() * calls.length)]!));
        await heartbeat(activity);
        await settleStatus(4_000, 30_000);
        const shown = options.shown();
        if (shown !== options.expected(activity)) findings.push(`round ${round} (${kind}): the provider shows "${shown}", the heartbeat said "${options.expected(activity)}"`);
        for (const extra of options.alsoAFinding?.found() ?? []) findings.push(`round ${round} (${kind}): ${extra}`);
        const limited = double.requests.flatMap((request, index) => (request.fault && request.status === 429 ? [{ index, resetAfterMs: 1000 }] : []));
        for (const early of requestsBeforeReset(double.requests, limited)) findings.push(`round ${round}: ${early.method} ${early.path} before the rate limit's reset`);
      }
      for (const crash of await crashedRuns(options.userId)) findings.push(`a job crashed: ${crash}`);
      return {
        tried: ROUNDS,
        lost: findings.length,
        detail: `${ROUNDS} rounds, a heartbeat with a new activity and one fault each on a request a clean write makes (${calls.map((call) => call.method).join(", ")}); faults: ${tally(injected)}; a finding is a crash, a request before a rate limit's reset, or another status than the round's once it settled${options.alsoAFinding ? `, or ${options.alsoAFinding.what}` : ""}; findings: ${findings.join("; ") || "none"}`,
      };
    });
    expect(findings).toEqual([]);
    expect(figure.lost).toBe(0);
  } finally {
    STATUS_WRITES.spacingMs = spacing;
    await endSleepingStatusRuns();
  }
}
