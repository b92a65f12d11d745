import { failureMessage } from "./check-health";

/**
 * How the services this process sends to — Pusher (realtime events), Inngest (job events) — have
 * been answering it: per process, from its own sends, for /api/health/deep. A send that fails
 * degrades what it carried (an event not shown live, work not queued), not the request that made
 * it; this is where an operator sees that it is happening, and since when.
 */
export type OutboundService = "pusher" | "inngest";

/** What is kept per service; the status is read from it. */
type Outcomes = { failingSince: Date | null; lastError: { message: string; at: Date } | null; lastSuccessAt: Date | null };

export type OutboundState = Outcomes & {
  /** "failing" from the first failed send after a success, until the next success; "unused" before any send. */
  status: "ok" | "failing" | "unused";
};

const holder = globalThis as typeof globalThis & { __devpulseOutbound?: Map<OutboundService, Outcomes> };
const kept = (holder.__devpulseOutbound ??= new Map());

const outcomesOf = (service: OutboundService): Outcomes => kept.get(service) ?? { failingSince: null, lastError: null, lastSuccessAt: null };

export function outboundState(service: OutboundService): OutboundState {
  const outcomes = outcomesOf(service);
  const status = outcomes.failingSince ? "failing" : outcomes.lastSuccessAt ? "ok" : "unused";
  return { status, ...outcomes };
}

/** Runs one send to `service`, recording whether it went through; its result or error is the caller's as before. */
export async function sendingTo<T>(service: OutboundService, send: () => Promise<T>, now: () => Date = () => new Date()): Promise<T> {
  try {
    const result = await send();
    kept.set(service, { ...outcomesOf(service), failingSince: null, lastSuccessAt: now() });
    return result;
  } catch (error) {
    const before = outcomesOf(service);
    const at = now();
    kept.set(service, { ...before, failingSince: before.failingSince ?? at, lastError: { message: failureMessage(error), at } });
    throw error;
  }
}
