/** The measured work, through the public tRPC client exactly as the desktop app calls it. */
import { randomUUID } from "node:crypto";
import type { EncryptedChange } from "./records";
import { chunk } from "./records";
import type { BenchDevice } from "./setup";
import { timed } from "./stats";

/** Pushes new records in sequential batches; fails unless every change applies. */
export async function pushAll(device: BenchDevice, changes: readonly EncryptedChange[], batchSize: number): Promise<void> {
  for (const batch of chunk(changes, batchSize)) {
    const result = await device.client.sync.push.mutate({ idempotencyKey: randomUUID(), deviceId: device.deviceId, changes: batch });
    if (result.applied !== batch.length) throw new Error(`push applied ${result.applied} of ${batch.length} changes (${result.conflicts} conflicts)`);
  }
}

/** Pulls everything from cursor 0 until `hasMore` is false; returns how many changes arrived. */
export async function pullAll(device: BenchDevice, limit: number): Promise<number> {
  let cursor = 0;
  let received = 0;
  for (;;) {
    const page = await device.client.sync.pull.query({ cursor, limit });
    received += page.changes.length;
    cursor = page.cursor;
    if (!page.hasMore) return received;
  }
}

/** A device and the batch it pushes in each round. */
export type Participant = { device: BenchDevice; rounds: EncryptedChange[][] };

/** In each round every participant pushes its batch at the same instant; returns each push's wall time (ms). */
export async function concurrentRounds(participants: readonly Participant[], roundCount: number): Promise<{ latencies: number[]; records: number; wallMs: number }> {
  const latencies: number[] = [];
  let wallMs = 0;
  let records = 0;
  for (let round = 0; round < roundCount; round++) {
    const started = performance.now();
    const times = await Promise.all(
      participants.map(async ({ device, rounds }) => {
        const changes = rounds[round]!;
        const { ms, result } = await timed(() => device.client.sync.push.mutate({ idempotencyKey: randomUUID(), deviceId: device.deviceId, changes }));
        if (result.applied !== changes.length) throw new Error(`concurrent push applied ${result.applied} of ${changes.length}`);
        records += changes.length;
        return ms;
      }),
    );
    wallMs += performance.now() - started;
    latencies.push(...times);
  }
  return { latencies, records, wallMs };
}
