import { randomUUID } from "node:crypto";
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getDb } from "~/server/db/client";
import { emailMessages, integrations, jobRuns } from "~/server/db/schema";
import { getJobRunner } from "~/server/jobs/send";
import { startGoogleDouble } from "../doubles/google/server";
import { MICROSOFT_DOUBLE_DEFAULTS, startMicrosoftDouble } from "../doubles/microsoft/server";
import { startPostmarkDouble } from "../doubles/postmark/server";
import { startResendDouble } from "../doubles/resend/server";
import { startSendGridDouble } from "../doubles/sendgrid/server";
import { signedUpUser } from "../support/callers";
import { emailDoublesEnv, otherResendSecret, otherSendGridKey, postEmailEvent, postmarkHeaders, resendHeaders, sendgridHeaders, sentMessage, type EmailProvider } from "../support/email-webhooks";
import { useEnv } from "../support/env";
import { connectThroughProvider, startGitDoubles, startIntegrationRoutes } from "../support/integrations";
import { at, googleCalendarUser, settle } from "../integration/calendar-helpers";
import { measured } from "./support/figures";

/**
 * The inbound webhook refusal matrix: for each provider that calls us, a genuine delivery made as the
 * provider makes it (by its double, or signed by its scheme), then the same delivery forged, stale,
 * replayed and oversized. Each misuse must be refused (or, for a replay, acknowledged as a duplicate)
 * and change nothing: the effect the genuine delivery had (a sync job for a git push, a recorded bounce
 * for an email event, a calendar sync for a push notification) is counted before and after.
 *
 * Calendar push notifications (Google channels, Graph subscriptions) carry no signature but a per-channel
 * token or clientState, and no time: a replay is told by Google's message number or by the version of the
 * event a Graph notification names.
 */

type Delivery = { url: string; headers: Record<string, string>; body: string };
type Row = {
  provider: string;
  /** What a genuine delivery changes, as a number. */
  effect: () => Promise<number>;
  genuine: () => Promise<Delivery>;
  forged: (genuine: Delivery) => Delivery;
  /** Undefined where the scheme signs no time (the provider sends none): why, for the report. */
  stale: ((genuine: Delivery) => Delivery) | string;
  /** The same delivery again, as the provider retries it. */
  replayed: (genuine: Delivery) => Promise<Delivery> | Delivery;
};

const TEN_MINUTES_AGO = () => Date.now() - 10 * 60_000;

let github: Awaited<ReturnType<typeof startGitDoubles>>["github"];
let gitlab: Awaited<ReturnType<typeof startGitDoubles>>["gitlab"];
let email: Record<EmailProvider, { url: string; close: () => Promise<void> }>;
let google: Awaited<ReturnType<typeof startGoogleDouble>>;
let microsoft: Awaited<ReturnType<typeof startMicrosoftDouble>>;
let app: Awaited<ReturnType<typeof startIntegrationRoutes>>;
beforeAll(async () => {
  app = await startIntegrationRoutes();
  ({ github, gitlab } = await startGitDoubles(app.url));
  const [resend, postmark, sendgrid] = await Promise.all([startResendDouble(), startPostmarkDouble(), startSendGridDouble()]);
  email = { resend, postmark, sendgrid };
  [google, microsoft] = await Promise.all([startGoogleDouble({ autoApprove: true, demo: false }), startMicrosoftDouble({ autoApprove: true, demo: false })]);
  google.addRedirectUri(`${app.url}/api/integrations/google/callback`);
  microsoft.addRedirectUri(`${app.url}/api/integrations/microsoft/callback`);
});
afterAll(async () => Promise.all([app?.close(), github?.close(), gitlab?.close(), google?.close(), microsoft?.close(), ...Object.values(email ?? {}).map((double) => double.close())]));
useEnv(() => ({
  APP_URL: app.url,
  ...github.appEnv,
  ...gitlab.appEnv,
  ...google.appEnv,
  ...microsoft.appEnv,
  MICROSOFT_TENANT: "common",
  ...emailDoublesEnv({ resend: email.resend.url, postmark: email.postmark.url, sendgrid: email.sendgrid.url }),
}));

/** Sends a delivery to our route: git webhooks over HTTP to the route behind a real port, email events to the email route handler. */
async function send(delivery: Delivery): Promise<number> {
  if (delivery.url.startsWith("email:")) return (await postEmailEvent(delivery.url.slice("email:".length), delivery.body, delivery.headers)).status;
  const response = await fetch(delivery.url, { method: "POST", headers: delivery.headers, body: delivery.body });
  await response.arrayBuffer();
  return response.status;
}

/** Git: a push by the double to the connected user's hook; its effect is the sync jobs queued for that user. */
async function gitRow(provider: "github" | "gitlab"): Promise<Row> {
  const { user } = await signedUpUser(`hooks-${provider}`);
  await connectThroughProvider(user, provider);
  const db = await getDb();
  const [integration] = await db.select({ id: integrations.id }).from(integrations).where(and(eq(integrations.userId, user.id), eq(integrations.provider, provider)));
  const effect = async () => (await db.select({ runId: jobRuns.runId }).from(jobRuns).where(and(eq(jobRuns.userId, user.id), eq(jobRuns.eventName, "git/push.received")))).length;
  const commit = { message: `Live commit ${randomUUID()}`, additions: 3, deletions: 1 };
  const idHeader = provider === "github" ? "x-github-delivery" : "x-gitlab-event-uuid";
  let deliveryId = "";
  return {
    provider,
    effect,
    genuine: async () => {
      const pushed =
        provider === "github"
          ? await github.deliverPush("octo-dev/devpulse-desktop", [{ ...commit, authorLogin: "octo-dev", authorName: "Octo Dev", authorEmail: "octo-dev@users.noreply.github.com" }])
          : await gitlab.deliverPush("platform-team/ci-templates", [{ ...commit, authorName: "GitLab Dev", authorEmail: "gitlab.dev@example.com", date: new Date(Math.floor(Date.now() / 1000) * 1000) }]);
      const delivery = pushed.deliveries.find((candidate) => candidate.url.includes(integration!.id))!;
      deliveryId = delivery.deliveryId;
      return { url: delivery.url, headers: delivery.request.headers, body: delivery.request.body };
    },
    // The body changed under the genuine signature (GitHub) or token (GitLab: a wrong token), as a new delivery.
    forged: (genuine) => ({
      ...genuine,
      headers: { ...genuine.headers, [idHeader]: randomUUID(), ...(provider === "gitlab" ? { "x-gitlab-token": `not-${genuine.headers["x-gitlab-token"]}` } : {}) },
      body: genuine.body.replace("Live commit", "Forged commit"),
    }),
    stale: `${provider === "github" ? "GitHub" : "GitLab"} signs no time into a delivery; a replay is caught by its ${idHeader} instead`,
    replayed: async () => {
      const again = provider === "github" ? await github.redeliver(deliveryId) : await gitlab.redeliver(deliveryId);
      return { url: again.url, headers: again.request.headers, body: again.request.body };
    },
  };
}

/** Email: a permanent bounce of a message we sent through that provider; its effect is the messages marked bounced. */
async function emailRow(provider: EmailProvider): Promise<Row> {
  const { row: message, email } = await sentMessage(provider, `hooks-${provider}`);
  const db = await getDb();
  const effect = async () => (await db.select({ id: emailMessages.id }).from(emailMessages).where(and(eq(emailMessages.id, message.id), eq(emailMessages.status, "bounced")))).length;
  const url = `email:${provider}`;
  if (provider === "resend") {
    const body = JSON.stringify({ type: "email.bounced", created_at: new Date().toISOString(), data: { email_id: message.providerMessageId, to: [email], bounce: { type: "Permanent", subType: "General", message: "550 5.1.1 user unknown" } } });
    return {
      provider,
      effect,
      genuine: async () => ({ url, body, headers: resendHeaders(body) }),
      forged: (genuine) => ({ ...genuine, headers: resendHeaders(genuine.body, new Date(), otherResendSecret()) }),
      stale: (genuine) => ({ ...genuine, headers: resendHeaders(genuine.body, new Date(TEN_MINUTES_AGO())) }),
      replayed: (genuine) => genuine,
    };
  }
  if (provider === "postmark") {
    const body = JSON.stringify({ RecordType: "Bounce", Type: "HardBounce", MessageID: message.providerMessageId, Email: email, Description: "The server was unable to deliver your message" });
    return {
      provider,
      effect,
      genuine: async () => ({ url, body, headers: postmarkHeaders() }),
      forged: (genuine) => ({ ...genuine, headers: postmarkHeaders("devpulse-hooks:wrong") }),
      stale: "Postmark authenticates with basic credentials and sends no timestamp; a replayed bounce finds the message already bounced",
      replayed: (genuine) => genuine,
    };
  }
  const body = JSON.stringify([{ email, event: "bounce", type: "bounce", reason: "550 5.1.1 unknown user", sg_message_id: `${message.providerMessageId}.filter0001`, devpulse_message_id: message.id, timestamp: Math.floor(Date.now() / 1000) }]);
  return {
    provider,
    effect,
    genuine: async () => ({ url, body, headers: sendgridHeaders(body) }),
    forged: (genuine) => ({ ...genuine, headers: sendgridHeaders(genuine.body, Date.now(), otherSendGridKey()) }),
    stale: (genuine) => ({ ...genuine, headers: sendgridHeaders(genuine.body, TEN_MINUTES_AGO()) }),
    replayed: (genuine) => genuine,
  };
}

/** The calendar syncs a push notification asked for: the user's calendar/sync.requested runs since the row began. */
async function calendarSyncsRequested(userId: string): Promise<() => Promise<number>> {
  const db = await getDb();
  const count = async () => (await db.select({ runId: jobRuns.runId }).from(jobRuns).where(and(eq(jobRuns.userId, userId), eq(jobRuns.eventName, "calendar/sync.requested")))).length;
  const before = await count();
  return async () => (await count()) - before;
}

/** Calendar: a change in the person's calendar, pushed by the provider's double to the watch the app made; its effect is the syncs requested. */
async function calendarRow(provider: "google" | "microsoft"): Promise<Row> {
  if (provider === "google") {
    const { user, googleEmail } = await googleCalendarUser(google, "hooks-google");
    const effect = await calendarSyncsRequested(user.id);
    return {
      provider,
      effect,
      genuine: async () => {
        const { notifications } = await google.createEventByHand(googleEmail, { summary: "Pushed change", start: at(2, 9), end: at(2, 10) });
        const [pushed] = notifications;
        return { url: pushed!.address, headers: pushed!.headers, body: "" };
      },
      // Another message on the same channel with a token that is not the channel's.
      forged: (genuine) => ({ ...genuine, headers: { ...genuine.headers, "x-goog-message-number": "999999", "x-goog-channel-token": `not-${genuine.headers["x-goog-channel-token"]}` } }),
      stale: "Google signs no time into a channel notification (only the channel's expiration); a replay is caught by its X-Goog-Message-Number instead",
      replayed: (genuine) => genuine,
    };
  }
  const { user } = await signedUpUser("hooks-microsoft");
  const ana = MICROSOFT_DOUBLE_DEFAULTS.people[0]!;
  microsoft.signInAs(ana.id);
  await connectThroughProvider(user, "microsoft", { dueWithinMs: 3_000 });
  await settle();
  const effect = await calendarSyncsRequested(user.id);
  return {
    provider,
    effect,
    genuine: async () => {
      const sent = microsoft.deliveries.length;
      await microsoft.createEventByHand({ subject: "Pushed change", start: at(2, 9), end: at(2, 10), userId: ana.id });
      const change = microsoft.deliveries.slice(sent).find((delivery) => delivery.kind === "change")!;
      return { url: change.url, headers: { "content-type": "application/json" }, body: change.body };
    },
    // The same notification with a clientState that is not the subscription's.
    forged: (genuine) => ({ ...genuine, body: genuine.body.replace(/"clientState":"([^"]*)"/, '"clientState":"not-$1"') }),
    stale: "Graph signs no time into a change notification; a replay is caught by the version (etag) of the event it names instead",
    replayed: (genuine) => genuine,
  };
}

/** A body just over the webhook limit (1 MiB), with the genuine delivery's headers. */
const oversized = (genuine: Delivery): Delivery => ({ ...genuine, body: JSON.stringify({ padding: "x".repeat(1024 * 1024) }) });

describe("inbound webhook refusal matrix", () => {
  it("every provider that calls us refuses forged, stale, replayed and oversized deliveries, and none of them changes anything", { timeout: 5 * 60_000 }, async () => {
    const findings: string[] = [];
    const notApplicable: string[] = [];
    let cases = 0;
    const figure = await measured({ area: "Every boundary", check: "Inbound webhook refusal matrix: forged, stale, replayed and oversized deliveries of every provider that calls us (git pushes, email events, calendar push notifications)", trials: "misused deliveries" }, async () => {
      const rows = [await gitRow("github"), await gitRow("gitlab"), await emailRow("resend"), await emailRow("postmark"), await emailRow("sendgrid"), await calendarRow("google"), await calendarRow("microsoft")];
      for (const row of rows) {
        // The genuine delivery: a git or calendar double has delivered it already (its effect is in `untouched`); an email
        // event is sent after the misuses, so a forged or stale one would be the first to do its work.
        const genuine = await row.genuine();
        await getJobRunner().idle();
        const deliveredByDouble = !["resend", "postmark", "sendgrid"].includes(row.provider);
        const untouched = await row.effect();
        if (untouched !== (deliveredByDouble ? 1 : 0)) findings.push(`${row.provider}: before the misuses the effect is ${untouched}`);
        const misuse = async (what: string, delivery: Delivery, refusedWith: (status: number) => boolean) => {
          cases++;
          const status = await send(delivery);
          await getJobRunner().idle();
          const after = await row.effect();
          if (!refusedWith(status) || after !== untouched) findings.push(`${row.provider} ${what}: answered ${status}, the effect went from ${untouched} to ${after}`);
        };
        const unauthorized = (status: number) => status === 401 || status === 403;
        await misuse("forged", row.forged(genuine), unauthorized);
        if (typeof row.stale === "string") notApplicable.push(`${row.provider}: ${row.stale}`);
        else await misuse("stale", row.stale(genuine), unauthorized);
        await misuse("oversized", oversized(genuine), (status) => status === 413);

        // The genuine one does its work once; a replay of it does nothing more.
        const sent = 1;
        if (!deliveredByDouble) await send(genuine);
        await getJobRunner().idle();
        if ((await row.effect()) !== sent) findings.push(`${row.provider}: the genuine delivery's effect is ${await row.effect()}, expected ${sent}`);
        cases++;
        const replayStatus = await send(await row.replayed(genuine));
        await getJobRunner().idle();
        if (replayStatus >= 500 || (await row.effect()) !== sent) findings.push(`${row.provider} replayed: answered ${replayStatus}, the effect is ${await row.effect()} (expected ${sent})`);
      }
      return {
        tried: cases,
        lost: findings.length,
        detail: `providers: github, gitlab (pushes delivered by their doubles to the connected user's hook; effect: sync jobs queued), resend, postmark, sendgrid (a permanent bounce of a message sent through each; effect: the message marked bounced), google, microsoft (a calendar change pushed by their doubles to the app's watch; effect: calendar syncs requested); forged = the genuine body changed or signed with another key/secret/credentials, stale = signed 10 minutes ago, oversized = 1 MiB + padding with the genuine headers, replayed = the same delivery again (the doubles' redelivery for git); not applicable: ${notApplicable.join("; ")}; findings: ${findings.join("; ") || "none"}`,
      };
    });
    expect(findings).toEqual([]);
    expect(figure.lost).toBe(0);
  });
});
