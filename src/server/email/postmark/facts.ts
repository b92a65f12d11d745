import type { EmailProviderFacts } from "../provider";

/** Postmark (https://postmarkapp.com/developer/api/email-api): POST /email, errors as { ErrorCode, Message }. */
export const postmarkFacts = {
  id: "postmark",
  name: "Postmark",
  configuredBy: ["POSTMARK_SERVER_TOKEN", "POSTMARK_API_URL"],
  idempotency: { supported: false, why: "Postmark's email API takes no idempotency key" },
  limits: { requestsPerSecond: null, maxRecipients: 50, maxMessageBytes: 10 * 1024 * 1024 },
  webhookAuth: "basic-auth",
  classify: {
    // 422 carries an ErrorCode: 300 (invalid email request) and 406 (inactive recipient) are about
    // this message; the rest (10 bad token, 400 sender signature, 412 pending account) are ours.
    permanentStatuses: [],
    unauthorizedStatuses: [401, 422],
    permanentCodes: [300, 406],
  },
} as const satisfies EmailProviderFacts;
