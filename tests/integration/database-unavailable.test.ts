import { sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/postgres-js";
import postgres from "postgres";
import { afterAll, describe, expect, it } from "vitest";
import { createCaller } from "~/server/api/root";
import { apiResponseHeaders } from "~/server/api/responses";
import { createContextInner } from "~/server/api/trpc";
import { getDb, type Db } from "~/server/db/client";
import * as schema from "~/server/db/schema";
import { isDatabaseUnavailable } from "~/server/db/unavailable";
import { errorOf, signedUpUser } from "../support/callers";

/**
 * A database that is not answering is a 503 with Retry-After, never a 500: told apart from a
 * query that is wrong by the driver's own errors, here from a real connection to a port where
 * nothing listens (tests/reliability/dependencies.reliability.ts restarts the real server).
 */

// Port 9 (discard) on loopback: nothing listens, so every connection is refused at once.
const unreachable = postgres("postgres://postgres@127.0.0.1:9/none", { max: 1, connect_timeout: 2, onnotice: () => {} });
const unreachableDb = drizzle({ client: unreachable, schema, casing: "snake_case" }) as unknown as Db;
afterAll(() => unreachable.end({ timeout: 1 }));

describe("a database that is not answering", () => {
  it("is told apart from a wrong query by the driver's errors", async () => {
    const refused = await unreachable`select 1`.catch((error: unknown) => error);
    expect(isDatabaseUnavailable(refused)).toBe(true);
    const throughDrizzle = await unreachableDb.execute(sql`select 1`).catch((error: unknown) => error);
    expect(isDatabaseUnavailable(throughDrizzle)).toBe(true);

    const db = await getDb();
    const wrong = await db.execute(sql`select * from no_such_table`).catch((error: unknown) => error);
    expect(wrong).toBeInstanceOf(Error);
    expect(isDatabaseUnavailable(wrong)).toBe(false);
    expect(isDatabaseUnavailable(new Error("anything else"))).toBe(false);
  });

  it("answers a procedure with SERVICE_UNAVAILABLE (503) and Retry-After", async () => {
    const { user } = await signedUpUser("db-away");
    const caller = createCaller(await createContextInner({ db: unreachableDb, user }));
    const error = await errorOf(() => caller.sync.overview());
    expect(error).toMatchObject({ code: "SERVICE_UNAVAILABLE", message: expect.stringMatching(/database is not answering/) });
    expect(apiResponseHeaders([error as never])["retry-after"]).toBe("5");
  });
});
