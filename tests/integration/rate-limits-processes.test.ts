import { randomInt, randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { startLineWorker } from "../support/line-worker";
import { workerDatabaseUrl } from "../support/database-url";

/**
 * Two server processes on one Postgres database share a limit: each calls the same rate-limited
 * procedure (devices.startAuthorization, per address) from the same address, and together they
 * get exactly the limit's worth, as one process would. Counters kept in each process's memory
 * would let each have the full limit.
 */

const databaseUrl = workerDatabaseUrl();
/** Each process starts with a fresh module graph (the whole router): more than the default 20 s under a shared CPU. */
const PROCESS_TEST_TIMEOUT_MS = 60_000;

type Outcome = { allowed: number; refused: string[] };

function startServerProcess(env: Record<string, string>) {
  const worker = startLineWorker("tests/support/rate-limit-worker.ts", env);
  return {
    ready: async () => expect(await worker.nextLine()).toBe("ready"),
    go: async (): Promise<Outcome> => {
      worker.writeLine("go");
      return JSON.parse(await worker.nextLine()) as Outcome;
    },
    kill: worker.kill,
  };
}

describe("rate limits across server processes", () => {
  // PGlite: one process opens a data folder, so there is never a second instance to share with, and limits are kept in memory.
  it.skipIf(!databaseUrl)("two processes on the same Postgres database share one limit", async () => {
    const env = {
      DATABASE_URL: databaseUrl!,
      RATE_LIMIT_PREFIX: `test-${randomUUID()}:`,
      CLIENT_IP: `198.51.${randomInt(256)}.${randomInt(1, 255)}`,
      ATTEMPTS: "4",
      LIMIT_POINTS: "5",
    };
    const servers = [startServerProcess(env), startServerProcess(env)];
    try {
      await Promise.all(servers.map((server) => server.ready()));
      const outcomes = await Promise.all(servers.map((server) => server.go()));
      // 8 attempts against one limit of 5: 5 allowed in all, whichever process made them; the rest refused as too many.
      expect(outcomes.reduce((sum, outcome) => sum + outcome.allowed, 0)).toBe(5);
      expect(outcomes.flatMap((outcome) => outcome.refused)).toEqual(["TOO_MANY_REQUESTS", "TOO_MANY_REQUESTS", "TOO_MANY_REQUESTS"]);
    } finally {
      for (const server of servers) server.kill();
    }
  }, PROCESS_TEST_TIMEOUT_MS);
});
