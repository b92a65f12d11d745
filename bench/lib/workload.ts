/** The measured work: through the public tRPC client as the desktop app calls it, or as the same requests encoded ahead of time. */
import { randomUUID } from "node:crypto";
import { Agent, request as httpRequest } from "node:http";
import { pipelined } from "../../src/client/pipelined";
import { PUSHES_IN_FLIGHT } from "../../src/client/sync-client";
import { transformer } from "../../src/lib/transformer";
import type { EncryptedChange } from "./records";
import { chunk } from "./records";
import { seededRandom } from "./random";
import type { BenchDevice } from "./setup";
import { timed } from "./stats";

/** One push through the SDK's tRPC client; fails unless every change applies. */
async function pushThroughSdk(device: BenchDevice, changes: EncryptedChange[]): Promise<void> {
  const result = await device.client.sync.push.mutate({ idempotencyKey: randomUUID(), deviceId: device.deviceId, changes });
  if (result.applied !== changes.length) throw new Error(`push applied ${result.applied} of ${changes.length} changes (${result.conflicts} conflicts)`);
}

/**
 * Pushes new records in batches with `inFlight` requests at a time, through the same pipeline as
 * the SDK's sync client (`pipelined`, PUSHES_IN_FLIGHT); fails unless every change applies.
 */
export async function pushAll(device: BenchDevice, changes: readonly EncryptedChange[], batchSize: number, inFlight = PUSHES_IN_FLIGHT): Promise<void> {
  await pipelined(chunk(changes, batchSize), inFlight, (batch) => pushThroughSdk(device, batch), () => undefined);
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

/**
 * The same pages as `pullAll`, as the text of each answer, without parsing them: what the server and
 * HTTP cost apart from the client's JSON decoding. The request is the one the SDK's tRPC client sends.
 */
export async function pullPagesAsText(url: string, device: BenchDevice, limit: number): Promise<string[]> {
  const pages: string[] = [];
  for (let cursor = 0; ; ) {
    const response = await fetch(`${url}/api/trpc/sync.pull?input=${encodeURIComponent(encodeInput({ cursor, limit }))}`, { headers: { authorization: `Bearer ${device.token}` } });
    const text = await response.text();
    if (!response.ok) throw new Error(`sync.pull answered ${response.status}: ${text.slice(0, 200)}`);
    pages.push(text);
    // The page's end, read without parsing it: `"cursor":N,"hasMore":B,…` closes every answer.
    const end = /"cursor":(\d+),"hasMore":(true|false)/.exec(text.slice(-200));
    if (!end) throw new Error(`sync.pull answer without a cursor: …${text.slice(-200)}`);
    if (end[2] === "false") return pages;
    cursor = Number(end[1]);
  }
}

/** A device's pushes, one per round: `push(round)` sends that round's batch and fails unless all of it applies. */
export type Participant = { pushes: number; push: (round: number) => Promise<void> };

/** A participant that pushes through the SDK's tRPC client, encoding each request in this process as a device would. */
export function sdkParticipant(device: BenchDevice, rounds: readonly EncryptedChange[][]): Participant {
  return { pushes: rounds.length, push: (round) => pushThroughSdk(device, rounds[round]!) };
}

/**
 * A push request as the SDK puts it on the wire (one tRPC request, the shared transformer), encoded
 * ahead of time. Latency runs send these so that 50 simulated devices living in ONE process do not queue
 * behind each other's encoding: on real devices that work happens on each device's own CPU.
 */
export type EncodedPush = { token: string; body: string; records: number };

export function encodePush(device: Pick<BenchDevice, "deviceId" | "token">, changes: readonly EncryptedChange[]): EncodedPush {
  const input = { idempotencyKey: randomUUID(), deviceId: device.deviceId, changes };
  return { token: device.token, body: encodeInput(input), records: changes.length };
}

/** A tRPC input as the SDK puts it on the wire (the shared transformer). */
export const encodeInput = (input: unknown) => JSON.stringify(transformer.serialize(input));

export type TrpcAnswer = { status: number; data?: unknown; error?: string };

/**
 * tRPC calls as a device makes them (bearer token, an input encoded by `encodeInput`) over keep-alive
 * HTTP/1.1, without the SDK's client objects, so thousands of simulated devices cost this process little.
 * Every outcome is an answer: a refusal or a broken connection is a status and an error, never a throw.
 */
export function createTrpcCaller(baseUrl: string, options: { maxSockets?: number } = {}) {
  // Idle sockets close after 4 s, before the server's 5 s keep-alive timeout (Node's default), so a
  // request never goes out on a connection the server is closing ("socket hang up").
  const agent = new Agent({ keepAlive: true, maxSockets: options.maxSockets ?? Infinity, timeout: 4_000 });
  const call = (token: string, procedure: string, encodedInput: string, method: "GET" | "POST") =>
    new Promise<TrpcAnswer>((done) => {
      const url = new URL(`/api/trpc/${procedure}`, baseUrl);
      if (method === "GET") url.searchParams.set("input", encodedInput);
      const headers: Record<string, string | number> = { authorization: `Bearer ${token}` };
      if (method === "POST") Object.assign(headers, { "content-type": "application/json", "content-length": Buffer.byteLength(encodedInput) });
      const outgoing = httpRequest(url, { method, agent, headers }, (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("error", (error) => done({ status: 0, error: error.message }));
        response.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          try {
            const answer = JSON.parse(text) as { result?: { data: Parameters<typeof transformer.deserialize>[0] }; error?: unknown };
            if (response.statusCode === 200 && answer.result) return done({ status: 200, data: transformer.deserialize(answer.result.data) });
            done({ status: response.statusCode ?? 0, error: JSON.stringify(answer.error ?? answer).slice(0, 300) });
          } catch {
            done({ status: response.statusCode ?? 0, error: `not JSON: ${text.slice(0, 100)}` });
          }
        });
      });
      outgoing.on("error", (error) => done({ status: 0, error: error.message }));
      // A call that never answers is an answer too, instead of a hang.
      outgoing.setTimeout(30_000, () => outgoing.destroy(new Error("no answer within 30 s")));
      outgoing.end(method === "POST" ? encodedInput : undefined);
    });
  return { call, close: () => agent.destroy() };
}

/** Sends encoded pushes (createTrpcCaller) and checks each answer as the SDK would: every change applied. */
export function createPushSender(baseUrl: string): { send: (push: EncodedPush) => Promise<void>; close: () => void } {
  const caller = createTrpcCaller(baseUrl, { maxSockets: 256 });
  const send = async (push: EncodedPush) => {
    const answer = await caller.call(push.token, "sync.push", push.body, "POST");
    if (answer.status !== 200) throw new Error(`push answered HTTP ${answer.status}: ${answer.error}`);
    const { applied } = answer.data as { applied: number };
    if (applied !== push.records) throw new Error(`push applied ${applied} of ${push.records}`);
  };
  return { send, close: caller.close };
}

/** A participant that sends pre-encoded requests (see EncodedPush). */
export function encodedParticipant(send: (push: EncodedPush) => Promise<void>, pushes: readonly EncodedPush[]): Participant {
  return { pushes: pushes.length, push: (round) => send(pushes[round]!) };
}

/** In each round every participant pushes its batch at the same instant; returns each push's wall time (ms). */
export async function concurrentRounds(participants: readonly Participant[], roundCount: number): Promise<number[]> {
  const latencies: number[] = [];
  for (let round = 0; round < roundCount; round++) {
    latencies.push(...(await Promise.all(participants.map(async ({ push }) => (await timed(() => push(round))).ms))));
  }
  return latencies;
}

/**
 * Devices syncing side by side, as in the field: each device pushes its batches one after
 * another at random moments, `meanIntervalMs` apart on average (exponentially distributed,
 * i.e. Poisson arrivals), starting at a random moment of the first interval. A device whose
 * push is still running when its next one is due pushes right after it (devices push one
 * batch at a time). Returns each push's wall time (ms).
 */
export async function steadyLoad(participants: readonly Participant[], options: { meanIntervalMs: number; seed: number }): Promise<number[]> {
  const latencies: number[] = [];
  const started = performance.now();
  await Promise.all(
    participants.map(async ({ pushes, push }, index) => {
      // One generator per device: its schedule does not depend on the order in which answers arrive.
      const random = seededRandom(options.seed + index);
      const nextGap = () => -Math.log(1 - random()) * options.meanIntervalMs;
      let dueAt = started + random() * options.meanIntervalMs;
      for (let round = 0; round < pushes; round++) {
        const wait = dueAt - performance.now();
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
        latencies.push((await timed(() => push(round))).ms);
        dueAt += nextGap();
      }
    }),
  );
  return latencies;
}
