import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ChannelLimits } from "~/server/notifications/rate-limits";
import { startLineWorker } from "../support/line-worker";
import { workerDatabaseUrl } from "../support/database-url";

/**
 * The notification send limits hold across server processes: two processes with limiters of
 * their own over one store (Redis; the `rate_limits` table of one Postgres database) together get
 * exactly a limit's worth of sends, as one process would. Counters kept in each process's memory
 * (a Redis silently replaced by the memory insurance, say) would let each have the full limit.
 * Embedded PGlite is not here: one process opens its folder, so its limits are per process by design.
 */

const REDIS_URL = "redis://127.0.0.1:6379";
const databaseUrl = workerDatabaseUrl();
/** Each process loads the app's modules afresh (and migrates its database): more than the default 20 s under a shared CPU. */
const PROCESS_TIMEOUT_MS = 60_000;

type Outcome = { allowed: number; refused: number };
type Order = { keyPrefix: string; limits: ChannelLimits; priority: "urgent" | "normal" | "low"; userIds: string[] };

function startServerProcess(env: Record<string, string>) {
  const worker = startLineWorker("tests/support/notification-limit-worker.ts", { PGLITE_DIR: "memory://", ...env });
  return {
    ready: async () => expect(await worker.nextLine()).toBe("ready"),
    send: async (order: Order): Promise<Outcome> => {
      worker.writeLine(JSON.stringify(order));
      return JSON.parse(await worker.nextLine()) as Outcome;
    },
    kill: worker.kill,
  };
}

const roomy = { points: 100_000, durationSeconds: 60 };
const generous: ChannelLimits = { burst: roomy, perUser: roomy, global: roomy, urgent: roomy };

describe.each([
  ["Redis", { REDIS_URL }, true],
  ["one Postgres database", { DATABASE_URL: databaseUrl ?? "" }, Boolean(databaseUrl)],
])("notification send limits shared by two server processes over %s", (_store, env, available) => {
  let servers: ReturnType<typeof startServerProcess>[] = [];
  beforeAll(async () => {
    if (!available) return;
    servers = [startServerProcess(env), startServerProcess(env)];
    await Promise.all(servers.map((server) => server.ready()));
  }, PROCESS_TIMEOUT_MS);
  afterAll(() => {
    for (const server of servers) server.kill();
  });

  it.skipIf(!available)("one user's burst allowance: 4 sends from each process against a limit of 5 are 5 sent in all", async () => {
    const order: Order = { keyPrefix: `test-${randomUUID()}:`, limits: { ...generous, burst: { points: 5, durationSeconds: 60 } }, priority: "normal", userIds: Array(4).fill(randomUUID()) };
    const outcomes = await Promise.all(servers.map((server) => server.send(order)));
    expect(outcomes.reduce((sum, outcome) => sum + outcome.allowed, 0)).toBe(5);
    expect(outcomes.reduce((sum, outcome) => sum + outcome.refused, 0)).toBe(3);
  });

  it.skipIf(!available)("the global ceiling: 4 users' urgent sends from each process against a ceiling of 5 are 5 sent in all, and ordinary mail from either gives way while they wait", async () => {
    // Urgent: the whole ceiling is theirs, so the count is the store's own (no share read before the take).
    const keyPrefix = `test-${randomUUID()}:`;
    const limits = { ...generous, global: { points: 5, durationSeconds: 3 } };
    const startedAt = Date.now();
    const outcomes = await Promise.all(servers.map((server) => server.send({ keyPrefix, limits, priority: "urgent", userIds: Array.from({ length: 4 }, () => randomUUID()) })));
    expect(outcomes.reduce((sum, outcome) => sum + outcome.allowed, 0)).toBe(5);
    // The next window has room, but urgent mail refused in the last one is still to be released:
    // ordinary mail gives way in both processes, whichever of them saw the refusal.
    await new Promise((resolveWait) => setTimeout(resolveWait, Math.max(0, startedAt + 3200 - Date.now())));
    const after = await Promise.all(servers.map((server) => server.send({ keyPrefix, limits, priority: "normal", userIds: [randomUUID()] })));
    expect(after).toEqual([
      { allowed: 0, refused: 1 },
      { allowed: 0, refused: 1 },
    ]);
    // Urgent mail itself goes in the new window.
    expect(await servers[0]!.send({ keyPrefix, limits, priority: "urgent", userIds: [randomUUID()] })).toEqual({ allowed: 1, refused: 0 });
  });
});
