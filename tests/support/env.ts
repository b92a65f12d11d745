import { afterAll, beforeAll } from "vitest";
import { reloadEnv } from "~/server/env";

/**
 * For one test file: sets environment variables (computed once the file's doubles
 * are up) and has the app re-read them; afterwards restores the previous values,
 * so the next file sees the environment it expects.
 */
export function useEnv(variables: () => Record<string, string | undefined>) {
  const previous = new Map<string, string | undefined>();
  beforeAll(() => {
    for (const [name, value] of Object.entries(variables())) {
      previous.set(name, process.env[name]);
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    reloadEnv();
  });
  afterAll(() => {
    for (const [name, value] of previous) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    reloadEnv();
  });
}

/**
 * Runs `body` with these variables set and the app re-reading them, then restores the
 * previous values whatever happens (a refused environment included), so one test cannot
 * leave, say, NODE_ENV=production behind for the files after it.
 */
export async function withEnv<T>(variables: Record<string, string | undefined>, body: () => Promise<T>): Promise<T> {
  const previous = Object.fromEntries(Object.keys(variables).map((name) => [name, process.env[name]]));
  const assign = (values: Record<string, string | undefined>) => {
    for (const [name, value] of Object.entries(values)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  };
  try {
    assign(variables);
    reloadEnv();
    return await body();
  } finally {
    assign(previous);
    reloadEnv();
  }
}

/** What production on a database server requires (src/server/env.ts): fixed test values. */
export const PRODUCTION_SECRETS = {
  NEXTAUTH_SECRET: "test-nextauth-secret-0123456789abcdef0123",
  WEBHOOK_SECRET: "test-webhook-secret-0123456789abcdef01234",
  TOKEN_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString("base64"),
} as const;

/** Everything Vercel requires (src/server/env.ts, deploymentRequirements), with well-formed test values. */
export const VERCEL_ENV = {
  VERCEL: "1",
  DATABASE_URL: "postgres://postgres@127.0.0.1:1/devpulse",
  APP_URL: "https://devpulse.example.com",
  ...PRODUCTION_SECRETS,
  INNGEST_EVENT_KEY: "evt",
  INNGEST_SIGNING_KEY: "signkey-prod-1",
  PUSHER_APP_ID: "1",
  PUSHER_KEY: "key",
  PUSHER_SECRET: "secret",
  PUSHER_CLUSTER: "eu",
} as const;
