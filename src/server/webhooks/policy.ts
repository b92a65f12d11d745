import { durationToMs } from "inngest";

/** The facts of outbound webhooks in one place: limits, when an endpoint is given up on, how long an old secret lives. */
export const WEBHOOK_LIMITS = {
  endpointsPerUser: 10,
  urlLength: 2000,
  descriptionLength: 200,
  /** Of an endpoint's answer, only this much is read and kept for the delivery log. */
  responseBodyBytes: 1024,
  /** Deliveries in a row that failed on every attempt before the endpoint is turned off. */
  disableAfterFailedDeliveries: 5,
  /** An endpoint failing every attempt for this long is turned off (whatever the count). */
  disableAfterFailingMs: 24 * 60 * 60 * 1000,
  /** After a rotation the previous secret keeps signing beside the new one this long, so receivers can switch without losing deliveries. */
  previousSecretGraceMs: 24 * 60 * 60 * 1000,
  /** Deliveries shown per endpoint in the log. */
  logPageSize: 50,
  userAgent: "DevPulse-Webhooks/1.0 (+https://www.standardwebhooks.com)",
} as const;

/** WEBHOOK_RETRY_SCHEDULE ("10s,1m,2h") as milliseconds: the waits between attempts, so attempts = waits + 1. */
export function retrySchedule(value: string): number[] {
  return value
    .split(",")
    .map((part) => part.trim())
    .filter(Boolean)
    .map((part) => durationToMs(part as never));
}
