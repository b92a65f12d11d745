import type { EmailProviderId, Env } from "../env";

/**
 * The one interface every email provider implements (smtp/, resend/, postmark/, sendgrid/),
 * registered in registry.ts. A provider only sends and classifies its own failures; the
 * framework around it (send.ts) owns failover, the circuit breakers, the delivery log and
 * suppression, so a provider folder holds no database access.
 */

/** A fully built message: rendered template, our headers, the key that makes a retry a no-op where supported. */
export type ProviderMessage = {
  /** Our email_messages id: providers that carry metadata into their webhooks get it too. */
  messageId: string;
  from: string;
  to: string;
  subject: string;
  html: string;
  text: string;
  /** Extra headers (List-Unsubscribe…); every provider here passes custom headers through. */
  headers: Record<string, string>;
  idempotencyKey: string;
};

type ProviderSendResult = {
  providerMessageId: string;
  /** Set when the embedded default wrote the message to DATA_DIR/outbox instead of sending it. */
  outboxFile?: string;
};

/**
 * What a failure means for this message:
 * - `permanent`: the message itself is refused (invalid address, validation): another provider
 *   would refuse it too, so it is not failed over and not retried, and the provider is not blamed.
 * - `transient`: the provider is down or erred (5xx, network): try the next provider, count it against the breaker.
 * - `rate_limited`: the provider asks us to slow down (429): next provider now, this one after `retryAt`.
 * - `unauthorized`: our credentials or account are refused (401/403): a configuration problem, failed over.
 */
export type EmailFailureKind = "permanent" | "transient" | "rate_limited" | "unauthorized";

export class EmailProviderError extends Error {
  constructor(
    readonly provider: EmailProviderId,
    readonly kind: EmailFailureKind,
    message: string,
    readonly statusCode?: number,
    /** When a rate-limited provider may be tried again (its Retry-After). */
    readonly retryAt?: Date | null,
  ) {
    super(message);
    this.name = "EmailProviderError";
  }
}

/** Static facts about a provider, kept as data beside it (facts.ts) and checked by a test. */
export type EmailProviderFacts = {
  id: EmailProviderId;
  name: string;
  /** The variables that configure it: one client (and one circuit breaker) per set of their values. */
  configuredBy: readonly (keyof Env)[];
  /** Whether a repeated request with the same key is sent once by the provider itself, and for how long. */
  idempotency: { supported: true; header: string; windowHours: number; maxKeyLength: number } | { supported: false; why: string };
  limits: { requestsPerSecond: number | null; maxRecipients: number; maxMessageBytes: number };
  /** How its delivery/bounce webhooks are authenticated (null: it has none). */
  webhookAuth: "standard-webhooks" | "basic-auth" | "ecdsa-p256" | null;
  /**
   * Error classification, as data: HTTP statuses (or SMTP reply classes) and provider error
   * codes that mean "this message is refused" rather than "this provider is failing".
   */
  classify: {
    permanentStatuses: readonly number[];
    unauthorizedStatuses: readonly number[];
    /** Provider error codes/names that are permanent whatever the status. */
    permanentCodes: readonly (string | number)[];
  };
};

export interface EmailProvider {
  readonly id: EmailProviderId;
  /** Sends one message; throws an EmailProviderError (classified) on failure. */
  send(message: ProviderMessage): Promise<ProviderSendResult>;
}

/** Classifies an HTTP failure by a provider's facts (shared by the HTTP providers; SMTP has its own reply classes). */
export function classifyHttpFailure(facts: EmailProviderFacts, status: number | null, code?: string | number): EmailFailureKind {
  if (code !== undefined && facts.classify.permanentCodes.includes(code)) return "permanent";
  if (status === 429) return "rate_limited";
  if (status !== null && facts.classify.unauthorizedStatuses.includes(status)) return "unauthorized";
  if (status !== null && facts.classify.permanentStatuses.includes(status)) return "permanent";
  return "transient";
}
