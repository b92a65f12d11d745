import type { EmailProviderFacts } from "../provider";

/** SMTP (nodemailer) to the relay in SMTP_URL, or the embedded outbox folder when none is set. */
export const smtpFacts = {
  id: "smtp",
  name: "SMTP",
  configuredBy: ["SMTP_URL", "DATA_DIR"],
  // SMTP has no idempotency: the Message-ID is derived from our key instead, so a receiving
  // system that deduplicates on it (many do) drops a repeat, and the log shows the same id.
  idempotency: { supported: false, why: "SMTP has no idempotency key; the Message-ID is derived from ours" },
  limits: { requestsPerSecond: null, maxRecipients: 100, maxMessageBytes: 10 * 1024 * 1024 },
  webhookAuth: null,
  // RFC 5321 reply classes: 5xx is a permanent refusal of this message (550 no such mailbox,
  // 553 bad address), except 535/530 (our credentials); 4xx asks to try again later.
  classify: { permanentStatuses: [550, 551, 552, 553, 554, 501], unauthorizedStatuses: [530, 534, 535], permanentCodes: [] },
} as const satisfies EmailProviderFacts;
