import { randomUUID } from "node:crypto";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GET as unsubscribeGet, POST as unsubscribePost } from "~/app/api/email/unsubscribe/route";
import { GET as confirmGet, POST as confirmPost } from "~/app/api/email/confirm-address/route";
import { getDb } from "~/server/db/client";
import { emailMessages } from "~/server/db/schema";
import { getEnv } from "~/server/env";
import { sendEmail } from "~/server/email/send";
import { suppressionOf } from "~/server/email/suppression";
import { createUnsubscribeToken, UNSUBSCRIBE_TOKEN_TTL_MS, verifyUnsubscribeToken } from "~/server/email/unsubscribe";
import { metrics } from "~/server/metrics/registry";
import { getNotificationPreferences } from "~/server/notifications/preferences";
import { startPostmarkDouble } from "../doubles/postmark/server";
import { startResendDouble } from "../doubles/resend/server";
import { startSendGridDouble } from "../doubles/sendgrid/server";
import { errorOf, signedUpUser } from "../support/callers";
import { emailDoublesEnv, otherResendSecret, otherSendGridKey, postEmailEvent, postmarkHeaders, resendHeaders, sendgridHeaders, sentMessage } from "../support/email-webhooks";
import { useEnv, withEnv } from "../support/env";

let resend: Awaited<ReturnType<typeof startResendDouble>>;
let postmark: Awaited<ReturnType<typeof startPostmarkDouble>>;
let sendgrid: Awaited<ReturnType<typeof startSendGridDouble>>;

beforeAll(async () => {
  [resend, postmark, sendgrid] = await Promise.all([startResendDouble(), startPostmarkDouble(), startSendGridDouble()]);
});
afterAll(() => Promise.all([resend.close(), postmark.close(), sendgrid.close()]));
useEnv(() => ({ EMAIL_PROVIDERS: "resend", ...emailDoublesEnv({ resend: resend.url, postmark: postmark.url, sendgrid: sendgrid.url }) }));

const statusOf = async (id: string) => (await (await getDb()).select({ status: emailMessages.status }).from(emailMessages).where(eq(emailMessages.id, id)))[0]!.status;
const bounces = async () => (await metrics.emailBounces.get()).values.reduce((sum, v) => sum + v.value, 0);

describe("bounce webhooks, each verified by its provider's scheme", () => {
  it("Resend (Standard Webhooks): delivered, then a permanent bounce suppresses the address; forged and stale deliveries are refused", async () => {
    const { row, user, email, outgoing } = await sentMessage("resend", "bounce-resend");
    const delivered = JSON.stringify({ type: "email.delivered", created_at: new Date().toISOString(), data: { email_id: row.providerMessageId, to: [email] } });
    expect((await postEmailEvent("resend", delivered, resendHeaders(delivered))).status).toBe(200);
    expect(await statusOf(row.id)).toBe("delivered");

    const bounced = JSON.stringify({ type: "email.bounced", created_at: new Date().toISOString(), data: { email_id: row.providerMessageId, to: [email], bounce: { type: "Permanent", subType: "General", message: "550 5.1.1 user unknown" } } });
    expect((await postEmailEvent("resend", bounced, resendHeaders(bounced, new Date(), otherResendSecret()))).status).toBe(401);
    expect((await postEmailEvent("resend", bounced, resendHeaders(bounced, new Date(Date.now() - 10 * 60_000)))).status).toBe(401);
    const tampered = resendHeaders(bounced);
    expect((await postEmailEvent("resend", bounced.replace("Permanent", "Transient"), tampered)).status).toBe(401);
    expect(await statusOf(row.id)).toBe("delivered");

    const before = await bounces();
    expect((await postEmailEvent("resend", bounced, resendHeaders(bounced))).status).toBe(200);
    expect(await statusOf(row.id)).toBe("bounced");
    expect(await bounces()).toBe(before + 1);
    // A redelivery of the same event changes nothing and counts nothing.
    await postEmailEvent("resend", bounced, resendHeaders(bounced));
    expect(await bounces()).toBe(before + 1);

    const next = await sendEmail(await getDb(), getEnv(), { ...outgoing, idempotencyKey: `t:${randomUUID()}` });
    expect(next).toMatchObject({ status: "suppressed" });
    expect(resend.to(email)).toHaveLength(1);

    // The owner asks for a confirmation link (the one mail that still goes), follows it, and mail resumes.
    const caller = (await import("../support/callers")).callerFor;
    const me = await caller(user);
    await expect(me.email.deliverability()).resolves.toMatchObject({ suppressed: { reason: "hard_bounce" } });
    await me.email.confirmAddress();
    const link = /\/api\/email\/confirm-address\?token=([\w-]{43})/.exec(resend.to(email).at(-1)!.text ?? "");
    expect(link).not.toBeNull();
    const url = `http://localhost/api/email/confirm-address?token=${link![1]}`;
    expect((await confirmGet(new Request(url))).status).toBe(200);
    await expect(me.email.deliverability()).resolves.toMatchObject({ suppressed: { reason: "hard_bounce" } }); // GET changed nothing
    expect((await confirmPost(new Request(url, { method: "POST" }))).status).toBe(200);
    expect((await confirmPost(new Request(url, { method: "POST" }))).status).toBe(400); // single use
    await expect(me.email.deliverability()).resolves.toMatchObject({ suppressed: null });
    await expect(sendEmail(await getDb(), getEnv(), { ...outgoing, idempotencyKey: `t:${randomUUID()}` })).resolves.toMatchObject({ status: "sent" });
  });

  it("Postmark (basic credentials): wrong credentials are refused; a HardBounce suppresses, a SoftBounce does not", async () => {
    const soft = await sentMessage("postmark", "bounce-postmark-soft");
    const hard = await sentMessage("postmark", "bounce-postmark-hard");
    const event = (messageId: string, type: string) => JSON.stringify({ RecordType: "Bounce", Type: type, MessageID: messageId, Email: "x@example.test", Description: "The server was unable to deliver your message" });
    expect((await postEmailEvent("postmark", event(hard.row.providerMessageId!, "HardBounce"), postmarkHeaders("devpulse-hooks:wrong"))).status).toBe(401);
    expect((await postEmailEvent("postmark", event(hard.row.providerMessageId!, "HardBounce"), {})).status).toBe(401);
    expect(await statusOf(hard.row.id)).toBe("sent");
    expect((await postEmailEvent("postmark", event(soft.row.providerMessageId!, "SoftBounce"), postmarkHeaders())).status).toBe(200);
    expect((await postEmailEvent("postmark", event(hard.row.providerMessageId!, "HardBounce"), postmarkHeaders())).status).toBe(200);
    expect(await statusOf(soft.row.id)).toBe("sent");
    expect(await statusOf(hard.row.id)).toBe("bounced");
    const db = await getDb();
    await expect(sendEmail(db, getEnv(), { ...hard.outgoing, idempotencyKey: `t:${randomUUID()}` })).resolves.toMatchObject({ status: "suppressed" });
    await expect(sendEmail(db, getEnv(), { ...soft.outgoing, idempotencyKey: `t:${randomUUID()}` })).resolves.toMatchObject({ status: "sent" });
  });

  it("SendGrid (ECDSA P-256): a batch signed with another key or an old timestamp is refused; a bounce found by our custom arg suppresses, a block does not", async () => {
    const { row, email, outgoing } = await sentMessage("sendgrid", "bounce-sendgrid");
    const blocked = await sentMessage("sendgrid", "blocked-sendgrid");
    const body = JSON.stringify([
      { email: "x@example.test", event: "delivered", sg_message_id: `${row.providerMessageId}.filter0001`, devpulse_message_id: row.id, timestamp: 1 },
      { email: "x@example.test", event: "bounce", type: "bounce", reason: "550 5.1.1 unknown user", sg_message_id: `${row.providerMessageId}.filter0001`, devpulse_message_id: row.id, timestamp: 2 },
    ]);
    const otherKey = otherSendGridKey();
    expect((await postEmailEvent("sendgrid", body, sendgridHeaders(body, Date.now(), otherKey))).status).toBe(401);
    expect((await postEmailEvent("sendgrid", body, sendgridHeaders(body, Date.now() - 10 * 60_000))).status).toBe(401);
    expect((await postEmailEvent("sendgrid", body, {})).status).toBe(401);
    expect(await statusOf(row.id)).toBe("sent");
    const before = await bounces();
    const accepted = await postEmailEvent("sendgrid", body, sendgridHeaders(body));
    expect(accepted.status).toBe(200);
    expect(await accepted.json()).toEqual({ received: 2, applied: 2 });
    expect(await statusOf(row.id)).toBe("bounced");
    expect(await bounces()).toBe(before + 1);
    expect(await suppressionOf(await getDb(), email)).toMatchObject({ reason: "hard_bounce", provider: "sendgrid" });
    // Mail to the address stops: nothing more reaches SendGrid.
    await withEnv({ EMAIL_PROVIDERS: "sendgrid" }, async () => {
      await expect(sendEmail(await getDb(), getEnv(), { ...outgoing, idempotencyKey: `t:${randomUUID()}` })).resolves.toMatchObject({ status: "suppressed" });
    });
    expect(sendgrid.to(email)).toHaveLength(1);

    // A "blocked" bounce is the receiving server refusing for now (SendGrid retries): the address stays.
    const block = JSON.stringify([{ email: blocked.email, event: "bounce", type: "blocked", reason: "421 4.7.0 try again later", sg_message_id: `${blocked.row.providerMessageId}.filter0002`, devpulse_message_id: blocked.row.id, timestamp: 3 }]);
    expect((await postEmailEvent("sendgrid", block, sendgridHeaders(block))).status).toBe(200);
    expect(await statusOf(blocked.row.id)).toBe("sent");
    expect(await suppressionOf(await getDb(), blocked.email)).toBeNull();
  });

  it("an unknown provider is 404; an unconfigured one refuses", async () => {
    expect((await postEmailEvent("mailgun", "{}", {})).status).toBe(404);
    await withEnv({ RESEND_WEBHOOK_SECRET: undefined }, async () => expect((await postEmailEvent("resend", "{}", resendHeaders("{}"))).status).toBe(404));
  });
});

describe("one-click unsubscribe (RFC 8058)", () => {
  const unsubscribeUrl = (token: string) => `http://localhost/api/email/unsubscribe?token=${token}`;
  const oneClick = (token: string) => unsubscribePost(new Request(unsubscribeUrl(token), { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: "List-Unsubscribe=One-Click" }));

  it("GET only shows a button; the one-click POST turns email off for that category only, without signing in", async () => {
    const { row, user } = await sentMessage("resend", "unsubscribe");
    const header = resend.received.find((m) => m.metadata.devpulse_message_id === row.id)!.headers["List-Unsubscribe"]!;
    const token = /token=([^>]+)>/.exec(header)![1]!;
    const page = await unsubscribeGet(new Request(unsubscribeUrl(token)));
    expect(page.status).toBe(200);
    expect(await page.text()).toMatch(/<form method="post">.*<button type="submit">Unsubscribe<\/button>/s);
    expect((await getNotificationPreferences(await getDb(), user.id)).categories.account.channels).toContain("email");
    expect((await oneClick(token)).status).toBe(200);
    const after = await getNotificationPreferences(await getDb(), user.id);
    expect(after.categories.account.channels).not.toContain("email");
    expect(after.categories.account.channels).toContain("inApp");
    expect(after.categories.sync.channels).toContain("email");
  });

  it("an expired, forged or altered token changes nothing; a token names one user, and changes only theirs", async () => {
    const a = await signedUpUser("unsub-a");
    const b = await signedUpUser("unsub-b");
    const env = getEnv();
    const expired = createUnsubscribeToken(env, a.user.id, "sync", Date.now() - UNSUBSCRIBE_TOKEN_TTL_MS - 1000);
    expect(verifyUnsubscribeToken(env, expired)).toEqual({ ok: false, reason: "expired" });
    expect((await oneClick(expired)).status).toBe(400);

    const valid = createUnsubscribeToken(env, a.user.id, "sync");
    const [payload, signature] = valid.split(".");
    // Swapping in user B's id (or another category) breaks the signature.
    const forgedPayload = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload!, "base64url").toString()), u: b.user.id })).toString("base64url");
    expect(verifyUnsubscribeToken(env, `${forgedPayload}.${signature}`)).toEqual({ ok: false, reason: "invalid" });
    expect((await oneClick(`${forgedPayload}.${signature}`)).status).toBe(400);
    expect((await oneClick("garbage")).status).toBe(400);
    expect((await unsubscribeGet(new Request(unsubscribeUrl(`${forgedPayload}.${signature}`)))).status).toBe(400);
    // A token signed with another server's secret is refused.
    await withEnv({ WEBHOOK_SECRET: "another-server-secret-0123456789abcdef0123" }, async () => {
      expect(verifyUnsubscribeToken(getEnv(), valid)).toEqual({ ok: false, reason: "invalid" });
    });
    const db = await getDb();
    expect((await getNotificationPreferences(db, b.user.id)).categories.sync.channels).toContain("email");
    expect((await getNotificationPreferences(db, a.user.id)).categories.sync.channels).toContain("email");

    expect((await oneClick(valid)).status).toBe(200);
    expect((await getNotificationPreferences(db, a.user.id)).categories.sync.channels).not.toContain("email");
    expect((await getNotificationPreferences(db, b.user.id)).categories.sync.channels).toContain("email");
  });

  it("the preview lists every template and renders one with a link that unsubscribes nobody", async () => {
    const { caller } = await signedUpUser("email-preview");
    const templates = await caller.email.templates();
    expect(templates.map((template) => template.id)).toEqual(["notification", "digest", "passwordReset", "emailChangeConfirm", "emailChangedNotice", "addressConfirm", "inactivityWarning"]);
    const digest = await caller.email.preview({ template: "digest" });
    expect(digest.subject).toBe("Your daily DevPulse digest: 4 notifications");
    expect(digest.html).toContain("/api/email/unsubscribe?token=preview");
    expect(await errorOf(() => caller.email.preview({ template: "nonsense" as never }))).toMatchObject({ code: "BAD_REQUEST" });
  });

  it("asking for an address confirmation when nothing is suppressed is a clear 400", async () => {
    const { caller } = await signedUpUser("confirm-nothing");
    expect(await errorOf(() => caller.email.confirmAddress())).toMatchObject({ code: "BAD_REQUEST" });
  });
});
