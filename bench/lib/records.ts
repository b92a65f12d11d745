/**
 * Realistic, deterministic activity records (~1 KB of JSON each) and their
 * client-side encryption with the same primitives the desktop sync client uses.
 */
import { checksumOf, encryptRecord } from "../../src/lib/crypto/index";
import type { SyncCollection } from "../../src/lib/schemas/collections";
import { seededRandom } from "./random";

export type EncryptedChange = {
  collection: SyncCollection;
  id: string;
  baseRevision: null;
  ciphertext: string;
  checksum: string;
  schemaVersion: 1;
  deleted: false;
};

const COLLECTION: SyncCollection = "activities";
const WORDS = (
  "refactor parser cache invalidation review pull request flaky test pipeline deploy staging hotfix " +
  "migration schema index query latency profile memory leak websocket reconnect retry backoff " +
  "focus session pairing design doc estimate sprint backlog triage incident postmortem rollout"
).split(" ");

function notes(random: () => number, length: number): string {
  let text = "";
  while (text.length < length) text += `${WORDS[Math.floor(random() * WORDS.length)]} `;
  return text.slice(0, length);
}

/** An activity as the desktop app records it, with a ~900-character notes field (~1 KB of JSON). */
export function activity(index: number) {
  const random = seededRandom(index + 1);
  const start = new Date(Date.UTC(2025, 0, 1) + index * 15 * 60_000);
  const minutes = 5 + Math.floor(random() * 115);
  return {
    projectId: `project-${Math.floor(random() * 40)}`,
    start: start.toISOString(),
    end: new Date(start.getTime() + minutes * 60_000).toISOString(),
    kind: random() < 0.7 ? "coding" : "meeting",
    editor: random() < 0.5 ? "vscode" : "neovim",
    branch: `feature/${WORDS[Math.floor(random() * WORDS.length)]}-${index}`,
    language: ["typescript", "rust", "go", "python"][Math.floor(random() * 4)],
    keystrokes: Math.floor(random() * 20_000),
    notes: notes(random, 900),
  };
}

export type PlainRecord = { id: string; value: ReturnType<typeof activity> };

/** `count` activities with ids `<prefix>-<n>`. */
export const activities = (prefix: string, count: number, firstIndex = 0): PlainRecord[] =>
  Array.from({ length: count }, (_, offset) => ({ id: `${prefix}-${firstIndex + offset}`, value: activity(firstIndex + offset) }));

/**
 * Encrypts each record under the data key, bound (through the AAD) to `userId`, the
 * collection and its id, plus the checksum the server verifies; chunks of 500 run
 * concurrently, as the sync client encrypts a push batch.
 */
export async function encryptRecords(dataKey: CryptoKey, userId: string, records: readonly PlainRecord[]): Promise<EncryptedChange[]> {
  const out: EncryptedChange[] = [];
  for (const batch of chunk(records, 500)) {
    const encrypted = await Promise.all(
      batch.map(async ({ id, value }): Promise<EncryptedChange> => {
        const ciphertext = await encryptRecord(dataKey, { userId, collection: COLLECTION, recordId: id, schemaVersion: 1 }, value);
        return { collection: COLLECTION, id, baseRevision: null, ciphertext, checksum: await checksumOf(ciphertext), schemaVersion: 1, deleted: false };
      }),
    );
    out.push(...encrypted);
  }
  return out;
}

export const chunk = <T>(items: readonly T[], size: number): T[][] =>
  Array.from({ length: Math.ceil(items.length / size) }, (_, index) => items.slice(index * size, (index + 1) * size));
