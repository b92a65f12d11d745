import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getDb, isEmbeddedDatabase } from "~/server/db/client";
import { syncConflicts, syncRevisions, syncState } from "~/server/db/schema";
import { setRateLimits } from "~/server/security/rate-limits";
import { callerFor, connectDevice, syncingUser } from "../support/callers";
import { change, push } from "../support/sync";
import { measured, scaled } from "./support/figures";

/**
 * Lost updates under contention: many writers of one user edit the same few records at once,
 * each from the revision it last saw. Every write must end up either as a revision (applied) or
 * as an open conflict holding its ciphertext — never both, never neither — and the user's
 * sequence must stay gap-free. Run on the Postgres server, where the writers really race.
 */

const WRITERS = scaled(200, 20);
const ROUNDS = scaled(50, 10);
const RECORDS = 5;
/** Devices the writers speak as (a device may push for several writers, as one app's windows would). */
const DEVICES = 20;

beforeAll(() => setRateLimits({ calls: { points: 1_000_000_000 }, requests: { points: 1_000_000_000 } }));
// The 10,000 conflicts queue as many notices: tests/support/setup.ts ends them with the file.
afterAll(() => setRateLimits(null));

describe("contention: many writers on the same records", () => {
  it(`loses no update: ${WRITERS} writers × ${ROUNDS} rounds on ${RECORDS} records`, { timeout: 30 * 60_000 }, async (context) => {
    const db = await getDb();
    if (isEmbeddedDatabase(db)) context.skip(); // PGlite serves one query at a time: nothing races there
    const { user, caller } = await syncingUser("reliability-contention");
    const devices = await Promise.all(
      Array.from({ length: DEVICES }, async (_, index) => {
        const { deviceId } = await connectDevice(caller, `writer-device-${index}`);
        return { id: deviceId, caller: await callerFor(user, { id: deviceId, name: `writer-device-${index}` }) };
      }),
    );
    const ids = Array.from({ length: RECORDS }, (_, index) => `contended-${index}`);
    await push(devices[0]!, ids.map((id) => change(id, null, "initial")));

    const figure = await measured({ area: "Sync and conflicts", check: `Lost updates under contention: ${WRITERS} writers × ${ROUNDS} rounds on ${RECORDS} records (Postgres server)`, trials: "conflicting writes" }, async () => {
      const written: string[] = [];
      await Promise.all(
        Array.from({ length: WRITERS }, async (_, writer) => {
          const device = devices[writer % DEVICES]!;
          const known = new Map(ids.map((id) => [id, 1]));
          for (let round = 0; round < ROUNDS; round += 1) {
            const id = ids[(writer + round) % RECORDS]!;
            const body = `writer ${writer} round ${round}`;
            written.push(`opaque:${body}`);
            const [result] = (await push(device, [change(id, known.get(id)!, body)])).results;
            // Learn the record's revision as a client would: from what was applied, or the conflict's remote version.
            if (result!.status === "applied") known.set(id, result!.revision);
            else if (result!.status === "conflict") known.set(id, result!.remote!.revision);
          }
        }),
      );
      const revisions = await db.select({ ciphertext: syncRevisions.ciphertext, seq: syncRevisions.seq }).from(syncRevisions).where(eq(syncRevisions.userId, user.id));
      const conflicts = await db.select({ ciphertext: syncConflicts.localCiphertext }).from(syncConflicts).where(eq(syncConflicts.userId, user.id));
      const found = new Map<string, number>();
      for (const { ciphertext } of [...revisions, ...conflicts]) if (ciphertext) found.set(ciphertext, (found.get(ciphertext) ?? 0) + 1);
      const lost = written.filter((ciphertext) => found.get(ciphertext) !== 1).length;
      const seqs = revisions.map((row) => row.seq).sort((a, b) => a - b);
      const gaps = seqs.filter((seq, index) => seq !== index + 1).length;
      const [state] = await db.select({ lastSeq: syncState.lastSeq }).from(syncState).where(eq(syncState.userId, user.id));
      const applied = revisions.length - RECORDS;
      return {
        tried: written.length,
        lost: lost + gaps + (state!.lastSeq === seqs.length ? 0 : 1),
        detail: `${applied} applied, ${conflicts.length} recorded as conflicts; lost counts writes found neither as a revision nor as a conflict, or found twice (${lost}), sequence gaps (${gaps}), and a last sequence number other than the revision count`,
      };
    });
    expect(figure.lost, figure.detail).toBe(0);
  });
});
