import { failureMessage } from "./check-health";

/**
 * How the services this process sends to — Pusher (realtime events), Inngest (job events) — have
 * been answering it: per process, from its own sends, for /api/health/deep. A send that fails
 * degrades what it carried (an event not shown live, work not queued), not the request that made
 * it; this is where an operator sees that it is happening, and since when.
 */
export type OutboundService = "pusher" | "inngest";

export type OutboundState = {
  /** "failing" from the first failed send after a success, until the next success. */
  status: "ok" | "failing" | "unused";
  failingSince: Date | null;
  lastError: { message: string; at: Date } | null;
  lastSuccessAt: Date | null;
};

const holder = globalThis as typeof globalThis & { __devpulseOutbound?: Map<OutboundService, OutboundState> };
const states = (holder.__devpulseOutbound ??= new Map());

const stateOf = (service: OutboundService): OutboundState => states.get(service) ?? { status: "unused", failingSince: null, lastError: null, lastSuccessAt: null };

export function outboundState(service: OutboundService): OutboundState {
  return { ...stateOf(service) };
}

/** Runs one send to `service`, recording whether it went through; its result or error is the caller's as before. */
export async function sendingTo<T>(service: OutboundService, send: () => Promise<T>, now: () => Date = () => new Date()): Promise<T> {
  try {
    const result = await send();
    states.set(service, { ...stateOf(service), status: "ok", failingSince: null, lastSuccessAt: now() });
    return result;
  } catch (error) {
    const before = stateOf(service);
    const at = now();
    states.set(service, { ...before, status: "failing", failingSince: before.status === "failing" ? before.failingSince : at, lastError: { message: failureMessage(error), at } });
    throw error;
  }
}
