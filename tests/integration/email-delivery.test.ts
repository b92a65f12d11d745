import { createHash, randomUUID } from "node:crypto";
import { asc, eq } from "drizzle-orm";
import { RetryAfterError } from "inngest";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { getDb } from "~/server/db/client";
import { emailAttempts, emailMessages } from "~/server/db/schema";
import { getEnv } from "~/server/env";
import { emailCircuits } from "~/server/email/breakers";
import { emailProvider, emailProviders } from "~/server/email/registry";
import { EmailRejectedError, sendEmail, type OutgoingEmail } from "~/server/email/send";
import { suppressAddress } from "~/server/email/suppression";
import { metrics } from "~/server/metrics/registry";
import { startPostmarkDouble, POSTMARK_DOUBLE_TOKEN } from "../doubles/postmark/server";
import { RESEND_DOUBLE_KEY, startResendDouble } from "../doubles/resend/server";
import { SENDGRID_DOUBLE_KEY, startSendGridDouble } from "../doubles/sendgrid/server";
import { startSmtpDouble } from "../doubles/smtp/server";
import { signedUpUser } from "../support/callers";
import { useEnv, withEnv } from "../support/env";

let resend: Awaited<ReturnType<typeof startResendDouble>>;
let postmark: Awaited<ReturnType<typeof startPostmarkDouble>>;
let sendgrid: Awaited<ReturnType<typeof startSendGridDouble>>;
let smtp: Awaited<ReturnType<typeof startSmtpDouble>>;
const COOLDOWN_MS = 2_000;

beforeAll(async () => {
  [resend, postmark, sendgrid, smtp] = await Promise.all([startResendDouble(), startPostmarkDouble({ inactive: ["gone@example.test"] }), startSendGridDouble(), startSmtpDouble({ user: "devpulse", pass: "relay password" })]);
});
afterEach(() => resend.setOutage(null));
afterAll(() => Promise.all([resend.close(), postmark.close(), sendgrid.close(), smtp.close()]));
useEnv(() => ({
  EMAIL_PROVIDERS: "resend,smtp",
  RESEND_API_KEY: RESEND_DOUBLE_KEY,
  RESEND_BASE_URL: resend.url,
  POSTMARK_SERVER_TOKEN: POSTMARK_DOUBLE_TOKEN,
  POSTMARK_API_URL: postmark.url,
  SENDGRID_API_KEY: SENDGRID_DOUBLE_KEY,
  SENDGRID_API_URL: sendgrid.url,
  SMTP_URL: smtp.url,
  MAIL_FROM: "DevPulse Cloud <no-reply@devpulse.test>",
  EMAIL_CIRCUIT_THRESHOLD: "2",
  EMAIL_CIRCUIT_COOLDOWN_MS: String(COOLDOWN_MS),
}));

const conflict = (count = 1): OutgoingEmail["content"] => ({ template: "notification", notification: { id: randomUUID(), kind: "sync.conflict_detected", data: { count, conflictIds: [] } } });
const email = (userId: string, to: string, content = conflict()): OutgoingEmail => ({ userId, to, idempotencyKey: `test:${randomUUID()}`, content, unsubscribeCategory: "sync" });
const attemptsOf = async (idempotencyKey: string) => {
  const db = await getDb();
  const [message] = await db.select().from(emailMessages).where(eq(emailMessages.idempotencyKey, idempotencyKey));
  const attempts = await db.select({ provider: emailAttempts.provider, outcome: emailAttempts.outcome, errorKind: emailAttempts.errorKind }).from(emailAttempts).where(eq(emailAttempts.messageId, message!.id)).orderBy(asc(emailAttempts.createdAt));
  return { message: message!, attempts };
};
const smtpTo = (address: string) => smtp.received.filter((mail) => mail.to.includes(address));
/** devpulse_email_sends_total as it is now (copied: prom-client hands out its live entries), read per provider and outcome. */
const emailSendsCounted = async () => {
  const counts = new Map((await metrics.emailSends.get()).values.map((v) => [`${v.labels.provider}/${v.labels.outcome}`, v.value]));
  return (provider: string, outcome: string) => counts.get(`${provider}/${outcome}`) ?? 0;
};

describe("each provider, through its real SDK, to its double", () => {
  for (const provider of ["resend", "postmark", "sendgrid"] as const) {
    it(`${provider}: html and text, List-Unsubscribe one-click headers, the message id recorded`, async () => {
      const double = { resend, postmark, sendgrid }[provider];
      const { user, email: address } = await signedUpUser(`mail-${provider}`);
      await withEnv({ EMAIL_PROVIDERS: provider }, async () => {
        const outgoing = email(user.id, address, conflict(3));
        const result = await sendEmail(await getDb(), getEnv(), outgoing);
        const [received, ...more] = double.to(address);
        expect(more).toHaveLength(0);
        expect(result).toEqual({ status: "sent", provider, messageId: received!.id });
        expect(received).toMatchObject({ subject: "3 sync conflicts need your choice", from: expect.stringContaining("no-reply@devpulse.test") });
        expect(received!.html).toContain("<html");
        expect(received!.text).toContain(`${getEnv().appUrl}/conflicts`);
        expect(received!.headers["List-Unsubscribe"]).toMatch(new RegExp(`^<${getEnv().appUrl}/api/email/unsubscribe\\?token=[\\w.-]+>$`));
        // The body's unsubscribe link is the header's, the same token.
        expect(received!.html).toContain(`href="${received!.headers["List-Unsubscribe"]!.slice(1, -1)}"`);
        expect(received!.headers["List-Unsubscribe-Post"]).toBe("List-Unsubscribe=One-Click");
        // Only Resend takes an idempotency key; the others get our message id as metadata for their webhooks.
        expect(received!.idempotencyKey).toBe(provider === "resend" ? outgoing.idempotencyKey : null);
        const { message, attempts } = await attemptsOf(outgoing.idempotencyKey);
        expect(message).toMatchObject({ status: "sent", provider, providerMessageId: received!.id });
        expect(received!.metadata).toMatchObject({ devpulse_message_id: message.id });
        expect(attempts).toEqual([{ provider, outcome: "sent", errorKind: null }]);
      });
    });
  }

  it("smtp: a multipart message with the same headers, and a Message-ID derived from the key", async () => {
    const { user, email: address } = await signedUpUser("mail-smtp");
    await withEnv({ EMAIL_PROVIDERS: "smtp" }, async () => {
      const outgoing = email(user.id, address);
      const result = await sendEmail(await getDb(), getEnv(), outgoing);
      const [mail] = smtpTo(address);
      expect(result).toMatchObject({ status: "sent", provider: "smtp" });
      expect(mail!.html).toContain("<html");
      expect(mail!.text).toContain("A sync conflict needs your choice");
      expect(mail!.headers["list-unsubscribe-post"]).toBe("List-Unsubscribe=One-Click");
      // The same key gives the same Message-ID on every try, so a receiver can drop a repeat.
      const derived = `<${createHash("sha256").update(outgoing.idempotencyKey).digest("hex").slice(0, 32)}@devpulse.test>`;
      expect(result).toMatchObject({ messageId: derived });
      expect(mail!.headers["message-id"]).toBe(derived);
    });
  });

  it("the registry has every provider, and only Resend claims idempotency", () => {
    const facts = Object.values(emailProviders).map((provider) => provider.facts);
    expect(facts.map((f) => f.id).sort()).toEqual(["postmark", "resend", "sendgrid", "smtp"]);
    expect(facts.filter((f) => f.idempotency.supported).map((f) => f.id)).toEqual(["resend"]);
  });

  it("one provider, with its SDK client, per configuration: the same for every send, another once its own variables change", async () => {
    const resendNow = await emailProvider(getEnv(), "resend");
    expect(await emailProvider(getEnv(), "resend")).toBe(resendNow);
    await withEnv({ POSTMARK_API_URL: "http://127.0.0.1:9" }, async () => expect(await emailProvider(getEnv(), "resend")).toBe(resendNow));
    await withEnv({ RESEND_API_KEY: "re_another_key" }, async () => expect(await emailProvider(getEnv(), "resend")).not.toBe(resendNow));
  });
});

describe("sent once", () => {
  it("a retried step with the same key sends nothing again and answers the first result", async () => {
    const { user, email: address } = await signedUpUser("mail-once");
    // Through SMTP, which has no idempotency of its own: only our record of the message can stop the repeat.
    await withEnv({ EMAIL_PROVIDERS: "smtp" }, async () => {
      const outgoing = email(user.id, address);
      const db = await getDb();
      const first = await sendEmail(db, getEnv(), outgoing);
      const again = await sendEmail(db, getEnv(), outgoing);
      expect(first).toMatchObject({ status: "sent", provider: "smtp" });
      expect(again).toEqual(first);
      expect(smtpTo(address)).toHaveLength(1);
      expect((await attemptsOf(outgoing.idempotencyKey)).attempts).toEqual([{ provider: "smtp", outcome: "sent", errorKind: null }]);
    });
  });

  it("a retry after Resend accepted but before the message was recorded as sent is sent once (the Idempotency-Key)", async () => {
    const { user, email: address } = await signedUpUser("mail-crash-window");
    const outgoing = email(user.id, address);
    const db = await getDb();
    const first = await sendEmail(db, getEnv(), outgoing);
    // The one window our record cannot cover: the process died after Resend answered, before the row said so.
    await db.update(emailMessages).set({ status: "queued", provider: null, providerMessageId: null, sentAt: null }).where(eq(emailMessages.idempotencyKey, outgoing.idempotencyKey));
    const again = await sendEmail(db, getEnv(), outgoing);
    expect(again).toEqual(first);
    expect(resend.to(address)).toHaveLength(1);
    expect((await attemptsOf(outgoing.idempotencyKey)).attempts.map((attempt) => attempt.outcome)).toEqual(["sent", "sent"]);
  });

  it("an idempotency key is one user's: another user's message under it is refused", async () => {
    const a = await signedUpUser("mail-key-a");
    const b = await signedUpUser("mail-key-b");
    const outgoing = email(a.user.id, a.email);
    await sendEmail(await getDb(), getEnv(), outgoing);
    await expect(sendEmail(await getDb(), getEnv(), { ...outgoing, userId: b.user.id, to: b.email })).rejects.toThrow(/another user/);
    expect(resend.to(b.email)).toHaveLength(0);
  });
});

describe("failover", () => {
  it("primary 5xx → the secondary sends; the breaker opens; each message arrives exactly once, each attempt counted; it closes after its cool-down", async () => {
    const { user, email: address } = await signedUpUser("mail-failover");
    const db = await getDb();
    const env = getEnv();
    resend.setOutage(503);
    const before = resend.requests.filter((r) => r.path === "/emails").length;
    const sendsBefore = await emailSendsCounted();
    const keys: string[] = [];
    for (let i = 0; i < 4; i += 1) {
      const outgoing = email(user.id, address, conflict(i + 1));
      keys.push(outgoing.idempotencyKey);
      await expect(sendEmail(db, env, outgoing)).resolves.toMatchObject({ status: "sent", provider: "smtp" });
    }
    // Two failures (the threshold) opened Resend's circuit: the next messages skip it without a request.
    expect((await attemptsOf(keys[0]!)).attempts).toEqual([
      { provider: "resend", outcome: "failed", errorKind: "transient" },
      { provider: "smtp", outcome: "sent", errorKind: null },
    ]);
    expect((await attemptsOf(keys[3]!)).attempts).toEqual([
      { provider: "resend", outcome: "skipped", errorKind: "circuit_open" },
      { provider: "smtp", outcome: "sent", errorKind: null },
    ]);
    expect(resend.requests.filter((r) => r.path === "/emails").length - before).toBe(2);
    expect(emailCircuits(env, ["resend", "smtp"])).toEqual({ resend: "open", smtp: "closed" });
    expect((await metrics.emailCircuitState.get()).values.find((v) => v.labels.provider === "resend")?.value).toBe(2);
    // Each attempt is counted by provider and outcome: two failures, two skipped while open, four sent by SMTP.
    const sends = await emailSendsCounted();
    expect({ resendFailed: sends("resend", "failed") - sendsBefore("resend", "failed"), resendSkipped: sends("resend", "skipped") - sendsBefore("resend", "skipped"), smtpSent: sends("smtp", "sent") - sendsBefore("smtp", "sent") }).toEqual({
      resendFailed: 2,
      resendSkipped: 2,
      smtpSent: 4,
    });
    // Exactly once each: four messages, four mails, none at the primary.
    expect(smtpTo(address).map((mail) => mail.subject)).toEqual(["A sync conflict needs your choice", "2 sync conflicts need your choice", "3 sync conflicts need your choice", "4 sync conflicts need your choice"]);
    expect(resend.to(address)).toHaveLength(0);
    // Retrying all four steps sends none again.
    for (const key of keys) await sendEmail(db, env, { ...email(user.id, address), idempotencyKey: key });
    expect(smtpTo(address)).toHaveLength(4);

    // After the cool-down one trial goes to Resend (up again), which closes the circuit.
    resend.setOutage(null);
    await new Promise((resolve) => setTimeout(resolve, COOLDOWN_MS + 50));
    await expect(sendEmail(db, env, email(user.id, address))).resolves.toMatchObject({ status: "sent", provider: "resend" });
    expect(emailCircuits(env, ["resend"])).toEqual({ resend: "closed" });
    expect(resend.to(address)).toHaveLength(1);
  });

  it("a circuit is one configuration's: a wrong key's open circuit does not hold back the right key", async () => {
    const { user } = await signedUpUser("mail-breaker-config");
    const db = await getDb();
    await withEnv({ EMAIL_PROVIDERS: "sendgrid,smtp", SENDGRID_API_KEY: "SG.wrong-key-for-the-circuit" }, async () => {
      for (let i = 0; i < 2; i += 1) await expect(sendEmail(db, getEnv(), email(user.id, "someone@example.test"))).resolves.toMatchObject({ provider: "smtp" });
      expect(emailCircuits(getEnv(), ["sendgrid"])).toEqual({ sendgrid: "open" });
    });
    expect(emailCircuits(getEnv(), ["sendgrid"])).toEqual({ sendgrid: "closed" });
    await withEnv({ EMAIL_PROVIDERS: "sendgrid,smtp" }, async () => {
      await expect(sendEmail(db, getEnv(), email(user.id, "someone@example.test"))).resolves.toMatchObject({ provider: "sendgrid" });
    });
  });

  it.each(["resend", "postmark", "sendgrid"] as const)("%s: a 429 with Retry-After goes to the next provider; the message is not refused", async (provider) => {
    const { user, email: address } = await signedUpUser(`mail-429-${provider}`);
    // A threshold of its own: fresh breakers, so these failures open no circuit the other tests use.
    await withEnv({ EMAIL_PROVIDERS: `${provider},smtp`, EMAIL_CIRCUIT_THRESHOLD: "10" }, async () => {
      ({ resend, postmark, sendgrid })[provider].rateLimitNext(30);
      const outgoing = email(user.id, address);
      await expect(sendEmail(await getDb(), getEnv(), outgoing)).resolves.toMatchObject({ status: "sent", provider: "smtp" });
      expect((await attemptsOf(outgoing.idempotencyKey)).attempts).toEqual([
        { provider, outcome: "failed", errorKind: "rate_limited" },
        { provider: "smtp", outcome: "sent", errorKind: null },
      ]);
    });
  });

  // Each HTTP provider's SDK reports a 429 its own way (Resend returns it with the headers; Postmark's and SendGrid's
  // throw, and Postmark's error keeps no headers): each provider must still hand its Retry-After on.
  it.each([
    ["resend", 30, "sendgrid", 90],
    ["sendgrid", 90, "postmark", 20],
  ] as const)("when every provider is rate-limited, the step is retried at the earliest Retry-After (%s asks %i s, %s %i s)", async (first, firstWait, second, secondWait) => {
    const { user, email: address } = await signedUpUser("mail-all-429");
    await withEnv({ EMAIL_PROVIDERS: `${first},${second}`, EMAIL_CIRCUIT_THRESHOLD: "10" }, async () => {
      const doubles = { resend, postmark, sendgrid };
      doubles[first].rateLimitNext(firstWait);
      doubles[second].rateLimitNext(secondWait);
      const before = Date.now();
      const error = await sendEmail(await getDb(), getEnv(), email(user.id, address)).catch((e: unknown) => e);
      expect(error, String(error)).toBeInstanceOf(RetryAfterError);
      const retryAt = new Date((error as RetryAfterError).retryAfter).getTime();
      const earliest = Math.min(firstWait, secondWait) * 1000;
      expect(retryAt).toBeGreaterThanOrEqual(before + earliest - 1000);
      expect(retryAt).toBeLessThanOrEqual(Date.now() + earliest + 1000);
    });
  });

  it("when every provider fails the step is retried later (the message stays queued), and the retry sends it", async () => {
    const { user, email: address } = await signedUpUser("mail-all-down");
    await withEnv({ EMAIL_PROVIDERS: "postmark,sendgrid" }, async () => {
      postmark.failNext({ status: 500 });
      sendgrid.failNext({ status: 502 });
      const outgoing = email(user.id, address);
      await expect(sendEmail(await getDb(), getEnv(), outgoing)).rejects.toThrow(/No email provider could send the message: Postmark: .*; SendGrid: /);
      expect((await attemptsOf(outgoing.idempotencyKey)).message.status).toBe("queued");
      await expect(sendEmail(await getDb(), getEnv(), outgoing)).resolves.toMatchObject({ status: "sent", provider: "postmark" });
    });
  });
});

describe("permanent errors are classified, not failed over", () => {
  it("Resend's validation error fails the message without trying SMTP, and a retry does not send", async () => {
    const { user } = await signedUpUser("mail-invalid");
    const outgoing = email(user.id, "not-an-address");
    const error = await sendEmail(await getDb(), getEnv(), outgoing).catch((e: unknown) => e);
    expect(error, String(error)).toBeInstanceOf(EmailRejectedError);
    expect((error as Error).message).toMatch(/validation_error/);
    const { message, attempts } = await attemptsOf(outgoing.idempotencyKey);
    expect(message.status).toBe("failed");
    expect(attempts).toEqual([{ provider: "resend", outcome: "failed", errorKind: "permanent" }]);
    await expect(sendEmail(await getDb(), getEnv(), outgoing)).rejects.toBeInstanceOf(EmailRejectedError);
    expect((await attemptsOf(outgoing.idempotencyKey)).attempts).toHaveLength(1);
    // A refused message is not the provider failing: Resend's circuit stays closed.
    expect(emailCircuits(getEnv(), ["resend"]).resend).toBe("closed");
  });

  it("Postmark's inactive recipient (406) and SendGrid's invalid address (400) are permanent; a bad token is not", async () => {
    const { user } = await signedUpUser("mail-classify");
    await withEnv({ EMAIL_PROVIDERS: "postmark,smtp" }, async () => {
      await expect(sendEmail(await getDb(), getEnv(), email(user.id, "gone@example.test"))).rejects.toThrow(/inactive/);
    });
    await withEnv({ EMAIL_PROVIDERS: "sendgrid,smtp" }, async () => {
      await expect(sendEmail(await getDb(), getEnv(), email(user.id, "bad@@example"))).rejects.toThrow(/valid address/);
    });
    await withEnv({ EMAIL_PROVIDERS: "sendgrid,smtp", SENDGRID_API_KEY: "SG.wrong" }, async () => {
      const outgoing = email(user.id, "someone@example.test");
      await expect(sendEmail(await getDb(), getEnv(), outgoing)).resolves.toMatchObject({ provider: "smtp" });
      expect((await attemptsOf(outgoing.idempotencyKey)).attempts[0]).toMatchObject({ provider: "sendgrid", errorKind: "unauthorized" });
    });
  });
});

describe("suppression", () => {
  it("a suppressed address gets nothing, and nothing is recorded as sent", async () => {
    const { user, email: address } = await signedUpUser("mail-suppressed");
    await suppressAddress(await getDb(), { address: address.toUpperCase(), userId: user.id, reason: "hard_bounce", provider: "resend" });
    await expect(sendEmail(await getDb(), getEnv(), email(user.id, address))).resolves.toMatchObject({ status: "suppressed", reason: expect.stringMatching(/bounced/) });
    expect(resend.to(address)).toHaveLength(0);
    expect(smtpTo(address)).toHaveLength(0);
  });
});
