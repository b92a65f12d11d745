import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { POST as confirmPost } from "~/app/api/email/confirm-address/route";
import { getDb } from "~/server/db/client";
import { getEnv } from "~/server/env";
import { suppressAddress } from "~/server/email/suppression";
import { metrics } from "~/server/metrics/registry";
import { deliverDue } from "~/server/notifications/deliver";
import { notify } from "~/server/notifications/notify";
import type { Scheduler } from "~/server/notifications/schedule";
import { startPostmarkDouble } from "../doubles/postmark/server";
import { signedUpUser } from "../support/callers";
import { emailDoublesEnv, postEmailEvent, postmarkHeaders, sentMessage } from "../support/email-webhooks";
import { useEnv } from "../support/env";

/**
 * The notification path meeting a suppressed address: after a hard bounce, a notification's
 * mail is dropped with the reason `suppressed_address` before any provider is asked, and it
 * flows again once the owner confirms the address. Mail goes through Postmark's double, whose
 * bounce webhook (verified) is what suppresses the address.
 */

let postmark: Awaited<ReturnType<typeof startPostmarkDouble>>;
beforeAll(async () => {
  postmark = await startPostmarkDouble();
});
afterAll(() => postmark.close());
// Only Postmark sends here; the other providers' addresses are never reached.
useEnv(() => ({ EMAIL_PROVIDERS: "postmark", ...emailDoublesEnv({ resend: "http://127.0.0.1:9", postmark: postmark.url, sendgrid: "http://127.0.0.1:9" }) }));

const exportReady = () => ({ exportId: randomUUID(), format: "json" as const, bytes: 1200 });
/** Deliveries go nowhere: the test runs each one itself, as the delivery job would. */
const keepSchedule: Scheduler = async () => {};
const sendRequests = () => postmark.requests.filter((request) => request.method === "POST" && request.path === "/email").length;
const droppedAsSuppressed = async () => (await metrics.notificationsDecided.get()).values.find((v) => v.labels.channel === "email" && v.labels.outcome === "drop" && v.labels.reason === "suppressed_address")?.value ?? 0;

describe("notifications to a suppressed address", () => {
  it("a hard-bounced address gets no notification mail (dropped as suppressed_address, nothing sent to the provider); once its owner confirms it, mail flows again", async () => {
    // A mail to the account's address bounces for good: Postmark says so by its webhook.
    const { user, email, caller, row } = await sentMessage("postmark", "notify-bounced");
    const bounce = JSON.stringify({ RecordType: "Bounce", Type: "HardBounce", MessageID: row.providerMessageId, Email: email, Description: "The server was unable to deliver your message" });
    expect((await postEmailEvent("postmark", bounce, postmarkHeaders())).status).toBe(200);
    await expect(caller.email.deliverability()).resolves.toMatchObject({ suppressed: { reason: "hard_bounce" } });

    const db = await getDb();
    const requestsBefore = sendRequests();
    const droppedBefore = await droppedAsSuppressed();
    const dropped = await notify(db, user.id, "account.export_ready", exportReady(), { schedule: keepSchedule });
    // The decision is about the user's preferences; the address is looked at when the mail is sent.
    expect(dropped.decisions.find((decision) => decision.channel === "email")).toMatchObject({ outcome: "send" });
    expect(await deliverDue(db, getEnv(), user.id, "email")).toMatchObject({ delivered: 0, messages: 0, notificationIds: [], deferredTo: null });
    expect(sendRequests()).toBe(requestsBefore);
    expect(postmark.to(email)).toHaveLength(1); // only the mail that bounced

    // The user's decision log says why; the dropped series counts it; it is not tried again.
    const logged = (await caller.notifications.decisions()).find((decision) => decision.notificationId === dropped.notificationId && decision.channel === "email");
    expect(logged).toMatchObject({ outcome: "drop", reason: "suppressed_address", reasonText: expect.stringMatching(/bounced.*until its owner confirms it again/), deliveredAt: null });
    expect(await droppedAsSuppressed()).toBe(droppedBefore + 1);
    expect(await deliverDue(db, getEnv(), user.id, "email")).toMatchObject({ delivered: 0, messages: 0 });
    expect(sendRequests()).toBe(requestsBefore);
    // Only the mail is dropped: the notification is in the list.
    expect((await caller.notifications.list()).items.map((item) => item.id)).toContain(dropped.notificationId);

    // The owner asks for the confirmation link (the one mail that still goes) and follows it.
    await caller.email.confirmAddress();
    const link = /\/api\/email\/confirm-address\?token=([\w-]{43})/.exec(postmark.to(email).at(-1)!.text ?? "");
    expect(link, "the confirmation mail carries the link").not.toBeNull();
    expect((await confirmPost(new Request(`http://localhost/api/email/confirm-address?token=${link![1]}`, { method: "POST" }))).status).toBe(200);
    await expect(caller.email.deliverability()).resolves.toMatchObject({ suppressed: null });

    const resumed = await notify(db, user.id, "account.export_ready", exportReady(), { schedule: keepSchedule });
    expect(await deliverDue(db, getEnv(), user.id, "email")).toMatchObject({ delivered: 1, messages: 1, notificationIds: [resumed.notificationId], via: "postmark" });
    const exportMails = postmark.to(email).filter((mail) => mail.subject === "Your data export is ready");
    // The first (that bounced) and the new one: the dropped notification is not sent late.
    expect(exportMails).toHaveLength(2);
    expect(exportMails.at(-1)!.metadata.devpulse_message_id).not.toBe(row.id);
    expect((await caller.notifications.decisions()).find((decision) => decision.notificationId === resumed.notificationId && decision.channel === "email")).toMatchObject({ outcome: "send", deliveredAt: expect.any(Date), deliveredAs: "single via postmark" });
  });

  // `calls` counts messages that left (the benchmark sums it as emails sent): a dropped mail is none.
  it("a mail dropped for a suppressed address counts no call (nothing left)", async () => {
    const { user, email } = await signedUpUser("notify-suppressed-calls");
    const db = await getDb();
    await suppressAddress(db, { address: email, userId: user.id, reason: "hard_bounce", provider: "postmark" });
    await notify(db, user.id, "account.export_ready", exportReady(), { schedule: keepSchedule });
    const outcome = await deliverDue(db, getEnv(), user.id, "email");
    expect(outcome.messages).toBe(0);
    expect(outcome.calls).toBe(0);
  });
});
