import { randomUUID } from "node:crypto";
import { and, eq, like } from "drizzle-orm";
import { afterAll, describe, expect, it } from "vitest";
import { createDevPulseClient } from "~/client";
import { getDb, isEmbeddedDatabase } from "~/server/db/client";
import { syncPushes, syncRecords, syncRevisions, syncState } from "~/server/db/schema";
import { connectDevice, syncingUser } from "../support/callers";
import { change } from "../support/sync";
import { measured, scaled } from "./support/figures";
import { productionServer } from "./support/production-server";

/**
 * `kill -9` of the production server at random moments of 100-record pushes. Whatever the moment,
 * the batch is in the database entirely or not at all; the client's retry with the same
 * idempotency key, to the restarted server, completes it exactly once; the sequence stays gap-free.
 */

const KILLS = scaled(50, 5);
const BATCH = 100;

let running: Awaited<ReturnType<typeof productionServer>> | undefined;
afterAll(async () => running?.stop());

describe("crash in the middle of a push", () => {
  it(`applies each batch entirely or not at all, and once after the retry: ${KILLS} kills`, { timeout: 30 * 60_000 }, async (context) => {
    const db = await getDb();
    // The production server needs the database this process uses: a Postgres server (PGlite is this process's own).
    if (isEmbeddedDatabase(db) || !process.env.DATABASE_URL) context.skip();
    const production = (running = await productionServer("crash", 3400));

    const { user, caller } = await syncingUser("reliability-crash");
    const { token, deviceId } = await connectDevice(caller, "crashing-laptop");
    const client = createDevPulseClient({ url: production.server.url, token });
    const batch = (label: string) => Array.from({ length: BATCH }, (_, index) => change(`${label}-${index}`, null, `${label} record ${index}`));
    const presentOf = async (label: string) => (await db.select({ id: syncRecords.recordId }).from(syncRecords).where(and(eq(syncRecords.userId, user.id), like(syncRecords.recordId, `${label}-%`)))).length;

    // How long a warm, uncrashed push takes (the slowest of three after a first one), so the kills land before, during and after the write.
    const pushTimes: number[] = [];
    for (let warmUp = 0; warmUp < 4; warmUp += 1) {
      const timing = performance.now();
      await client.sync.push.mutate({ idempotencyKey: randomUUID(), deviceId, changes: batch(`warm-up-${warmUp}`) });
      pushTimes.push(performance.now() - timing);
    }
    const pushMs = Math.max(...pushTimes.slice(1));

    const figure = await measured({ area: "Sync and conflicts", check: `Crash in the middle of a push: kill -9 of the production server during ${BATCH}-record pushes`, trials: "kills" }, async () => {
      const outcomes = { before: 0, committed: 0, answered: 0 };
      let lost = 0;
      for (let kill = 0; kill < KILLS; kill += 1) {
        const label = `crash-${kill}`;
        const changes = batch(label);
        const idempotencyKey = randomUUID();
        const sent = client.sync.push.mutate({ idempotencyKey, deviceId, changes }).catch(() => null);
        await new Promise((resolve) => setTimeout(resolve, Math.random() * pushMs));
        await production.server.kill();
        if ((await sent) !== null) outcomes.answered += 1;

        const present = await presentOf(label);
        const remembered = (await db.select({ key: syncPushes.idempotencyKey }).from(syncPushes).where(and(eq(syncPushes.userId, user.id), eq(syncPushes.idempotencyKey, idempotencyKey)))).length;
        if (present === BATCH && remembered === 1) outcomes.committed += 1;
        else if (present === 0 && remembered === 0) outcomes.before += 1;
        else lost += 1; // a half-applied batch, or one applied without its key (a retry would apply it twice)

        await production.start();
        const retried = await client.sync.push.mutate({ idempotencyKey, deviceId, changes });
        const revisions = await db.select({ revision: syncRevisions.revision }).from(syncRevisions).where(and(eq(syncRevisions.userId, user.id), like(syncRevisions.recordId, `${label}-%`)));
        if (retried.applied !== BATCH || revisions.length !== BATCH || revisions.some((row) => row.revision !== 1)) lost += 1;
      }
      const seqs = (await db.select({ seq: syncRevisions.seq }).from(syncRevisions).where(eq(syncRevisions.userId, user.id))).map((row) => row.seq).sort((a, b) => a - b);
      const gaps = seqs.filter((seq, index) => seq !== index + 1).length;
      const [state] = await db.select({ lastSeq: syncState.lastSeq }).from(syncState).where(eq(syncState.userId, user.id));
      return {
        tried: KILLS,
        lost: lost + gaps + (state!.lastSeq === seqs.length ? 0 : 1),
        detail: `kills 0–${Math.round(pushMs)} ms into a push (an uncrashed one took up to ${Math.round(pushMs)} ms): ${KILLS - outcomes.answered} cut the push off before its answer and ${outcomes.answered} came after it; ${outcomes.before} left nothing behind, ${outcomes.committed} had committed; lost counts a half-applied batch, a batch without its idempotency key, a retry that did not end with the batch applied exactly once, and sequence gaps (${gaps})`,
      };
    });
    expect(figure.lost, figure.detail).toBe(0);
  });
});
