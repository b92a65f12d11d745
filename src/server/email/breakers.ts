import { CircuitState, ConsecutiveBreaker, circuitBreaker, handleWhen, type CircuitBreakerPolicy } from "cockatiel";
import type { EmailProviderId, Env } from "../env";
import { redactText } from "../logger";
import { metrics } from "../metrics/registry";
import { EmailProviderError } from "./provider";
import { providerConfiguration } from "./registry";

/**
 * One circuit breaker per email provider (cockatiel): EMAIL_CIRCUIT_THRESHOLD consecutive
 * failures open it, mail goes to the next provider, and after EMAIL_CIRCUIT_COOLDOWN_MS one
 * trial send (half-open) closes it again or re-opens it. A permanent refusal of a message
 * (invalid address) is not the provider failing, so it never counts.
 *
 * Per process, like the integrations' breakers: each instance learns of an outage from its own
 * failures (a few sends each), which is cheaper than sharing state on every send. Kept on
 * globalThis (Next dev reloads modules) and keyed by the provider's configuration (its URL and
 * credentials: registry.ts) and the breaker's own settings, so a changed key or URL, or test
 * files pointing at different doubles, never inherit another configuration's open circuit.
 */

type EmailCircuit = "closed" | "half-open" | "open";
const GAUGE: Record<EmailCircuit, number> = { closed: 0, "half-open": 1, open: 2 };

/** The last failure that counted against a circuit: what an operator sees beside its state. */
export type CircuitFailure = { message: string; at: Date };

const holder = globalThis as typeof globalThis & { __devpulseEmailBreakers?: Map<string, CircuitBreakerPolicy>; __devpulseEmailFailures?: Map<string, CircuitFailure> };
const breakers = (holder.__devpulseEmailBreakers ??= new Map<string, CircuitBreakerPolicy>());
const lastFailures = (holder.__devpulseEmailFailures ??= new Map<string, CircuitFailure>());

const keyOf = (env: Env, provider: EmailProviderId) => [providerConfiguration(env, provider), env.EMAIL_CIRCUIT_THRESHOLD, env.EMAIL_CIRCUIT_COOLDOWN_MS].join("|");

export function circuitState(policy: CircuitBreakerPolicy): EmailCircuit {
  if (policy.state === CircuitState.Closed) return "closed";
  if (policy.state === CircuitState.HalfOpen) return "half-open";
  return "open";
}

export function breakerFor(env: Env, provider: EmailProviderId): CircuitBreakerPolicy {
  const key = keyOf(env, provider);
  let policy = breakers.get(key);
  if (!policy) {
    policy = circuitBreaker(
      handleWhen((error) => error instanceof EmailProviderError && error.kind !== "permanent"),
      { halfOpenAfter: env.EMAIL_CIRCUIT_COOLDOWN_MS, breaker: new ConsecutiveBreaker(env.EMAIL_CIRCUIT_THRESHOLD) },
    );
    const created = policy;
    created.onStateChange(() => metrics.emailCircuitState.set({ provider }, GAUGE[circuitState(created)]));
    created.onFailure(({ handled, reason }) => {
      if (handled && "error" in reason && reason.error instanceof Error) lastFailures.set(key, { message: redactText(reason.error.message).slice(0, 300), at: new Date() });
    });
    metrics.emailCircuitState.set({ provider }, 0);
    breakers.set(key, policy);
  }
  return policy;
}

/** Each configured provider's circuit now (for tests and the operator). */
export function emailCircuits(env: Env, providers: readonly EmailProviderId[]): Record<string, EmailCircuit> {
  return Object.fromEntries(providers.map((provider) => [provider, circuitState(breakerFor(env, provider))]));
}

/** The operator's view of each provider's circuit in this process: its state and the last failure that counted against it. */
export function emailCircuitReport(env: Env, providers: readonly EmailProviderId[]) {
  return providers.map((provider) => ({ provider, circuit: circuitState(breakerFor(env, provider)), lastError: lastFailures.get(keyOf(env, provider)) ?? null }));
}
