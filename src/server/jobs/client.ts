import { Inngest } from "inngest";
import { getEnv, type Env } from "../env";
import { logger } from "../logger";

export const INNGEST_APP_ID = "devpulse-cloud";

export type JobMode = "inngest" | "in-process";

/** Inngest when it is configured (Cloud or self-hosted by event key, or a dev server); otherwise jobs run in this process. */
export function jobModeOf(env: Env): JobMode {
  return env.INNGEST_EVENT_KEY || env.INNGEST_DEV ? "inngest" : "in-process";
}

type LogLevel = "debug" | "info" | "warn" | "error";

/** The SDK logs through ours, so its lines are JSON, levelled and redacted like every other. */
const inngestLogger = Object.fromEntries(
  (["debug", "info", "warn", "error"] as const).map((level: LogLevel) => [
    level,
    (...args: unknown[]) => {
      const [first, ...rest] = args;
      const message = typeof first === "string" ? first : "inngest";
      const details = typeof first === "string" ? rest : args;
      logger[level](`inngest: ${message}`, details.length ? { details: details.map((arg) => (arg instanceof Error ? arg.message : arg)) } : undefined);
    },
  ]),
) as Record<LogLevel, (...args: unknown[]) => void>;

export function createInngestClient(env: Env): Inngest {
  const devUrl = env.INNGEST_DEV && /^https?:/.test(env.INNGEST_DEV) ? env.INNGEST_DEV : undefined;
  return new Inngest({
    id: INNGEST_APP_ID,
    eventKey: env.INNGEST_EVENT_KEY,
    signingKey: env.INNGEST_SIGNING_KEY,
    isDev: Boolean(env.INNGEST_DEV),
    baseUrl: devUrl ?? env.INNGEST_BASE_URL,
    logger: inngestLogger,
  });
}

const holder = globalThis as typeof globalThis & { __devpulseInngest?: { env: Env; client: Inngest } };

/**
 * The process's Inngest client, created on first use so importing jobs never reads the environment,
 * and again when the environment is re-read (tests and tools that change it): a client never keeps
 * sending to an Inngest the configuration no longer names.
 */
export function getInngestClient(): Inngest {
  const env = getEnv();
  if (holder.__devpulseInngest?.env !== env) holder.__devpulseInngest = { env, client: createInngestClient(env) };
  return holder.__devpulseInngest.client;
}
