import type { TRPCLink } from "@trpc/client";
import type { AnyRouter } from "@trpc/server";
import { observable, type Unsubscribable } from "@trpc/server/observable";
import { refusalDetails, trpcCode } from "./api-errors";

/**
 * Over a rate limit the server refuses a call before it runs (nothing of it is applied) with
 * TOO_MANY_REQUESTS and the wait in `data.details.retryAfterSeconds` (README, Rate limits). This
 * link waits that long and sends the same call again, so a long first sync slows down to the
 * limit instead of failing; any call may be sent again, since the refused one never ran. A wait
 * longer than `maxWaitSeconds`, a third refusal, or a refused subscription reaches the caller.
 */

/** The seconds to wait before calling again, when `error` is a rate-limit refusal. */
export function rateLimitWaitOf(error: unknown): number | undefined {
  const seconds = refusalDetails(error)?.retryAfterSeconds;
  return trpcCode(error) === "TOO_MANY_REQUESTS" && typeof seconds === "number" ? seconds : undefined;
}

export function waitOutRateLimits<TRouter extends AnyRouter>({ maxWaitSeconds = 60, maxAttempts = 3 } = {}): TRPCLink<TRouter> {
  return () =>
    ({ op, next }) =>
      observable((observer) => {
        let attempts = 0;
        let current: Unsubscribable | undefined;
        let timer: ReturnType<typeof setTimeout> | undefined;
        const send = () => {
          attempts += 1;
          current = next(op).subscribe({
            next: (value) => observer.next(value),
            error: (error) => {
              const wait = rateLimitWaitOf(error);
              if (wait === undefined || wait > maxWaitSeconds || attempts >= maxAttempts || op.type === "subscription") return observer.error(error);
              timer = setTimeout(send, wait * 1000);
            },
            complete: () => observer.complete(),
          });
        };
        send();
        return () => {
          clearTimeout(timer);
          current?.unsubscribe();
        };
      });
}
