import type { EmailProviderFacts } from "../provider";

/** Resend (https://resend.com/docs/api-reference): POST /emails, errors as { statusCode, name, message }. */
export const resendFacts = {
  id: "resend",
  name: "Resend",
  configuredBy: ["RESEND_API_KEY", "RESEND_BASE_URL"],
  // The SDK sends `idempotencyKey` as the Idempotency-Key header; Resend answers a repeat within
  // 24 h with the first response (and 409 invalid_idempotent_request if the payload differs).
  idempotency: { supported: true, header: "Idempotency-Key", windowHours: 24, maxKeyLength: 256 },
  limits: { requestsPerSecond: 2, maxRecipients: 50, maxMessageBytes: 40 * 1024 * 1024 },
  webhookAuth: "standard-webhooks",
  classify: {
    permanentStatuses: [400, 422],
    unauthorizedStatuses: [401, 403],
    // invalid_from_address and restricted keys are our configuration: another provider may work, so not here.
    permanentCodes: ["validation_error", "invalid_parameter", "missing_required_field", "invalid_attachment", "invalid_idempotent_request"],
  },
} as const satisfies EmailProviderFacts;
