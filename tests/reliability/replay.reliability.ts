import { randomUUID } from "node:crypto";
import { eq } from "drizzle-orm";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getDb } from "~/server/db/client";
import { syncRevisions, syncState } from "~/server/db/schema";
import { setRateLimits } from "~/server/security/rate-limits";
import { change, push, userWithDevices } from "../support/sync";
import { measured, scaled } from "./support/figures";

/**
 * A push retried with the same idempotency key — concurrently, late, or between other pushes of
 * the same user — applies once: every copy answers what the first answered, each record moves one
 * revision, and the user's sequence advances by exactly what was applied, with no gap.
 */

const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const lastSeqOf = async (userId: string) => (await (await getDb()).select({ lastSeq: syncState.lastSeq }).from(syncState).where(eq(syncState.userId, userId)))[0]?.lastSeq ?? 0;

// The calls here are the trial's, not a client's traffic: the per-device allowance would refuse them.
beforeAll(() => setRateLimits({ calls: { points: 1_000_000_000 }, requests: { points: 1_000_000_000 } }));
afterAll(() => setRateLimits(null));

describe("replay: a push retried with its idempotency key", () => {
  it("applies once, in any interleaving of its copies with each other and with other pushes", { timeout: 30 * 60_000 }, async () => {
    const owner = await userWithDevices("reliability-replay");
    const runs = scaled(1_000, 100);
    let run = 0;
    const figure = await measured({ area: "Sync and conflicts", check: "Replay: a push retried with the same idempotency key, in any interleaving, applies once", trials: "property runs" }, async () => {
      const property = fc.asyncProperty(
        fc.record({
          records: fc.integer({ min: 1, max: 4 }),
          existing: fc.boolean(),
          copyDelaysMs: fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 2, maxLength: 5 }),
          otherPushDelaysMs: fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 2 }),
        }),
        async ({ records, existing, copyDelaysMs, otherPushDelaysMs }) => {
          run += 1;
          const ids = Array.from({ length: records }, (_, index) => `replay-${run}-${index}`);
          if (existing) await push(owner.laptop, ids.map((id) => change(id, null, `first ${id}`)));
          const before = await lastSeqOf(owner.user.id);
          const key = randomUUID();
          const replayed = ids.map((id) => change(id, existing ? 1 : null, `replayed ${id}`));
          const others = otherPushDelaysMs.map((delay, index) => wait(delay).then(() => push(owner.desktop, [change(`other-${run}-${index}`, null, "other")])));
          const copies = copyDelaysMs.map((delay) => wait(delay).then(() => push(owner.laptop, replayed, key)));
          const [answers, otherAnswers] = await Promise.all([Promise.all(copies), Promise.all(others)]);

          for (const answer of answers) expect(answer).toEqual(answers[0]);
          expect(answers[0]!.applied).toBe(records);
          for (const result of answers[0]!.results) expect(result).toMatchObject({ status: "applied", revision: existing ? 2 : 1 });
          const rows = await (await getDb()).select({ recordId: syncRevisions.recordId, revision: syncRevisions.revision }).from(syncRevisions).where(eq(syncRevisions.userId, owner.user.id));
          for (const id of ids) expect(rows.filter((row) => row.recordId === id).map((row) => row.revision).sort()).toEqual(existing ? [1, 2] : [1]);
          const appliedByOthers = otherAnswers.reduce((sum, answer) => sum + answer.applied, 0);
          expect(await lastSeqOf(owner.user.id)).toBe(before + records + appliedByOthers);
        },
      );
      const result = await fc.check(property, { numRuns: runs });
      return {
        tried: result.numRuns,
        lost: result.failed ? 1 : 0,
        detail: result.failed ? `counterexample: ${fc.stringify(result.counterexample)} (${String(result.errorInstance)})` : "each run: 1–4 records, new or existing, 2–5 copies of the push started 0–4 ms apart, 0–2 other pushes of the user among them; a lost run is one where any copy answered differently, a record moved other than once, or the sequence moved other than by what was applied",
      };
    });
    expect(figure.lost, figure.detail).toBe(0);

    // The whole run's sequence, gap-free: every number from 1 to the last is one revision.
    const seqs = (await (await getDb()).select({ seq: syncRevisions.seq }).from(syncRevisions).where(eq(syncRevisions.userId, owner.user.id))).map((row) => row.seq).sort((a, b) => a - b);
    expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, index) => index + 1));
    expect(await lastSeqOf(owner.user.id)).toBe(seqs.length);
  });
});
