import type { EmailProviderFacts } from "../provider";

/** SendGrid (https://www.twilio.com/docs/sendgrid/api-reference/mail-send): POST /v3/mail/send, 202 + X-Message-Id, errors as { errors: [{ message, field, help }] }. */
export const sendgridFacts = {
  id: "sendgrid",
  name: "SendGrid",
  configuredBy: ["SENDGRID_API_KEY", "SENDGRID_API_URL"],
  idempotency: { supported: false, why: "SendGrid's v3 mail send takes no idempotency key" },
  limits: { requestsPerSecond: null, maxRecipients: 1000, maxMessageBytes: 30 * 1024 * 1024 },
  webhookAuth: "ecdsa-p256",
  classify: { permanentStatuses: [400, 413], unauthorizedStatuses: [401, 403], permanentCodes: [] },
} as const satisfies EmailProviderFacts;
