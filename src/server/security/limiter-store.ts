import { Redis } from "ioredis";
import { RateLimiterDrizzle, RateLimiterMemory, RateLimiterRedis, type RateLimiterAbstract } from "rate-limiter-flexible";
import { isEmbeddedDatabase, type Db } from "../db/client";
import { rateLimits } from "../db/schema";
import type { Env } from "../env";
import { logger } from "../logger";
import { LeasedLimiter, type PointsLimiter } from "./leased-limiter";

/**
 * Where rate-limit counters live: the one choice for every limiter in the app (the request
 * limits in rate-limits.ts, the notification send limits), so every limit holds wherever the
 * deployment's other instances can see it, and nowhere dearer:
 *
 * - `redis` when REDIS_URL is set: RateLimiterRedis, shared by every instance, one round trip.
 *   While Redis is unreachable, each limiter counts in memory instead (its insurance limiter).
 * - `database` on a Postgres server: RateLimiterDrizzle on our own `rate_limits` table, shared by
 *   every instance on that database; each change is one atomic upsert. RateLimiterPostgres was
 *   the other candidate, but it needs a `pg` client (it calls `query({ text, values })` and reads
 *   `rowCount`), which neither postgres.js nor PGlite is, and it creates its table itself at run
 *   time; the Drizzle store takes the drizzle database both drivers already give us, and the
 *   table is in the schema, so migrations create it.
 * - `memory` on embedded PGlite: only one process can open a PGlite folder, so there is never a
 *   second instance to share counters with, and memory is the same limit without a database
 *   write per request. Counters start again when the process restarts, which only an operator
 *   can cause.
 *
 * A limiter is kept per database handle (and per Redis URL), so a test's fresh database starts
 * with fresh counters, and per size, so changed limits count afresh.
 */

export type RateLimitStore = "memory" | "database" | "redis";

export type LimiterShape = {
  /** Namespaces the counters: `<keyPrefix>:<key>` in the store. */
  keyPrefix: string;
  points: number;
  durationSeconds: number;
};

export function rateLimitStoreFor(db: Db, env: Pick<Env, "REDIS_URL">): RateLimitStore {
  if (env.REDIS_URL) return "redis";
  return isEmbeddedDatabase(db) ? "memory" : "database";
}

/** A Redis command unanswered this long fails, and the limiter's insurance answers (Redis itself answers in well under a millisecond). */
const REDIS_COMMAND_TIMEOUT_MS = 1000;

const redisClients = new Map<string, Redis>();
function redisFor(url: string): Redis {
  let client = redisClients.get(url);
  if (!client) {
    const created = new Redis(url, { maxRetriesPerRequest: 2, commandTimeout: REDIS_COMMAND_TIMEOUT_MS });
    // Commands wait for the first connection (the first requests of a process count in Redis
    // like the rest); once it has closed or failed, they fail at once while Redis is away,
    // rather than each waiting out a reconnection, and the memory insurance answers them.
    created.once("close", () => (created.options.enableOfflineQueue = false));
    // Once per outage (ioredis reports every reconnection attempt): the operator learns that limits are per instance meanwhile.
    let reported = false;
    created.on("error", (error) => {
      if (!reported) logger.warn("Redis unreachable: rate limits count in each instance's memory until it is back", { error });
      reported = true;
    });
    created.on("ready", () => (reported = false));
    redisClients.set(url, (client = created));
  }
  return client;
}

/** Limiters by the object their counters belong to: the database handle, or the Redis client. */
const limiters = new WeakMap<object, Map<string, PointsLimiter>>();
/** Databases with a sweeper of expired `rate_limits` rows: one per database is enough, as its limiters share the table. */
const swept = new WeakSet<Db>();

/**
 * The limiter for `shape` in the deployment's store (rateLimitStoreFor).
 * - `perInstance`: counted in this process's memory whatever the store, for a limit that is per
 *   instance by design (the request ceiling, which guards one instance's capacity).
 * - `lease`: a shared store is drawn from this many points at a time (LeasedLimiter), for a limit
 *   that every request takes from; memory needs no lease.
 */
export function rateLimiterFor(db: Db, env: Pick<Env, "REDIS_URL">, shape: LimiterShape, { perInstance = false, lease = 1 } = {}): PointsLimiter {
  const store = perInstance ? "memory" : rateLimitStoreFor(db, env);
  const redis = store === "redis" ? redisFor(env.REDIS_URL!) : null;
  const owner: object = redis ?? db;
  let forOwner = limiters.get(owner);
  if (!forOwner) limiters.set(owner, (forOwner = new Map()));
  const leased = store !== "memory" && lease > 1;
  const id = `${store}:${shape.keyPrefix}:${shape.points}/${shape.durationSeconds}${leased ? `:lease ${lease}` : ""}`;
  let limiter = forOwner.get(id);
  if (!limiter) {
    const options = { keyPrefix: shape.keyPrefix, points: shape.points, duration: shape.durationSeconds };
    let counted: RateLimiterAbstract;
    // Redis is a separate service that can be down while the app is up: its limits then count in
    // this process's memory, as on a single instance, rather than answering every request with
    // an error (a 500) or holding back every notification. (The database store needs none: without
    // the database nothing else answers either.)
    if (redis) counted = new RateLimiterRedis({ ...options, storeClient: redis, insuranceLimiter: new RateLimiterMemory(options) });
    else if (store === "database") {
      counted = new RateLimiterDrizzle({ ...options, storeClient: db, schema: rateLimits, clearExpiredByTimeout: !swept.has(db) });
      swept.add(db);
    } else counted = new RateLimiterMemory(options);
    limiter = leased ? new LeasedLimiter(counted, lease) : counted;
    forOwner.set(id, limiter);
  }
  return limiter;
}
