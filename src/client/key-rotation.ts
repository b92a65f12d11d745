/**
 * Key rotation after a device is lost or revoked. Revoking a device stops its token, but
 * it still holds the data key; rotating replaces that key, so whoever later obtains
 * ciphertext cannot read anything written since with the old one.
 *
 * One unlocked device (this code, with the passphrase) does the work:
 *   1. makes a new data key (the next key id) and publishes its bundle, wrapped under the
 *      passphrase like the first, with the old keys encrypted under the new one — other
 *      devices pick it up when they next unlock, and read old records meanwhile;
 *   2. re-encrypts every current record, open conflict and (if chosen) kept revision in
 *      batches, each swapped in only if unchanged meanwhile;
 *   3. finishes: the server refuses the old key from then on (KeyRotatedError on a device
 *      that did not unlock again), and can purge revisions still under it.
 * Progress is the data itself (the server knows each ciphertext's key id), so a rotation
 * interrupted at any point resumes by calling rotateEncryptionKey again, on any device.
 */
import type { TRPCClient } from "@trpc/client";
import { failedVerification, openRecord, rotateKeyBundle, sealRecord, unlockKeyRing, type KeyBundle, type KeyRing } from "../lib/crypto";
import type { SyncCollection } from "../lib/schemas/collections";
import type { AppRouter } from "../server/api/root";
import { refusalDetails, trpcCode } from "./api-errors";

/** The part of the API rotation uses: a DevPulseClient, or the web app's tRPC client. */
export type RotationClient = Pick<TRPCClient<AppRouter>, "auth" | "sync">;

/**
 * The server refused a write under a key that was rotated away. The sync client locks
 * itself: unlock again with the passphrase (which fetches the new key) and sync; local
 * edits are kept and pushed under the new key.
 */
export class KeyRotatedError extends Error {
  readonly currentKeyId: number | undefined;

  constructor(currentKeyId: number | undefined, options?: { cause?: unknown }) {
    super("Your encryption key was rotated on another device: unlock again with your sync passphrase to fetch the new key, then sync.", options);
    this.name = "KeyRotatedError";
    this.currentKeyId = currentKeyId;
  }
}

/**
 * A rotation cannot finish while versions under the old key remain, and these do not open with any
 * of the user's keys (written wrongly by another client, or altered): nothing can re-encrypt them.
 * Everything else was re-encrypted; the rotation stays running (resumable) until they are replaced.
 */
export class UnreadableVersionsError extends Error {
  readonly items: { kind: string; collection: string; recordId: string; revision: number | null; conflictId: string | null }[];

  constructor(items: UnreadableVersionsError["items"]) {
    const named = items.slice(0, 10).map((item) => `${item.collection}/${item.recordId}${item.kind === "conflict" ? " (in an open conflict)" : item.revision === null ? "" : ` (revision ${item.revision})`}`);
    super(
      `${items.length} version(s) cannot be opened with your keys, so they cannot be re-encrypted: ${named.join(", ")}${items.length > 10 ? ", …" : ""}. ` +
        "Restore a readable revision from the record's history (or resolve its conflict), then run the rotation again to finish it.",
    );
    this.name = "UnreadableVersionsError";
    this.items = items;
  }
}

/** The KeyRotatedError an API error stands for, if it is one (push and conflict resolution answer it). */
export function keyRotatedErrorOf(error: unknown): KeyRotatedError | undefined {
  const details = refusalDetails(error);
  if (details?.reason !== "KEY_ROTATED") return undefined;
  return new KeyRotatedError(typeof details.currentKeyId === "number" ? details.currentKeyId : undefined, { cause: error });
}

export type KeyRotationProgress = {
  phase: "reencrypting" | "finishing" | "done";
  keyId: number;
  /** Items re-encrypted so far (over every run of this rotation) and still to do. */
  done: number;
  remaining: number;
};

export type RotateKeyOptions = {
  client: RotationClient;
  passphrase: string;
  /** Re-encrypt kept revisions too (when starting; a resumed rotation keeps its choice). */
  includeRevisions?: boolean;
  /** On finishing, delete revisions and resolved conflicts still under an old key. */
  purgeRevisions?: boolean;
  /** Items per request (default 100, at most 500). */
  batchSize?: number;
  onProgress?: (progress: KeyRotationProgress) => void | Promise<void>;
  signal?: AbortSignal;
  /** This device's sync client: unlocked again with the new key as soon as it is published. */
  sync?: { unlock(passphrase: string): Promise<unknown> };
  /** Test hook: PBKDF2 iterations for the new bundle (default: the current bundle's). */
  kdfIterations?: number;
};

export type KeyRotationResult = {
  keyId: number;
  /** True when an interrupted rotation was picked up rather than started. */
  resumed: boolean;
  reencrypted: number;
  purged: { revisions: number; conflicts: number; pushes: number } | null;
};

type StaleItem = Awaited<ReturnType<RotationClient["sync"]["rotation"]["stale"]["query"]>>["items"][number];

async function reencrypt(ring: KeyRing, userId: string, item: StaleItem) {
  const identity = { userId, collection: item.collection, recordId: item.recordId, schemaVersion: item.schemaVersion };
  // Verified and authenticated under the key it names, then sealed under the new one.
  const value = await openRecord(ring, identity, { ciphertext: item.ciphertext, checksum: item.checksum, deleted: false });
  const sealed = await sealRecord(ring, identity, value);
  return {
    kind: item.kind,
    collection: item.collection as SyncCollection,
    recordId: item.recordId,
    revision: item.revision,
    conflictId: item.conflictId,
    expectedChecksum: item.checksum,
    ...sealed,
    keyId: ring.keyId,
  };
}

/** Starts a key rotation, or resumes the one that is running, and carries it to the end. */
export async function rotateEncryptionKey(options: RotateKeyOptions): Promise<KeyRotationResult> {
  const { client, passphrase } = options;
  const batchSize = Math.max(1, Math.min(options.batchSize ?? 100, 500));
  const [me, bundle, status] = await Promise.all([client.auth.me.query(), client.sync.keys.get.query(), client.sync.rotation.status.query()]);
  if (!bundle) throw new Error("Sync keys are not set up yet: there is no key to rotate.");

  let ring: KeyRing;
  let includeRevisions: boolean;
  const resumed = status.rotation?.status === "running";
  if (resumed) {
    // The new bundle is already published: the passphrase opens it, with the old keys inside.
    ring = await unlockKeyRing(passphrase, bundle as KeyBundle, me.id);
    includeRevisions = status.rotation!.includeRevisions;
  } else {
    const rotated = await rotateKeyBundle(passphrase, bundle as KeyBundle, me.id, { iterations: options.kdfIterations });
    try {
      const started = await client.sync.rotation.start.mutate({ bundle: rotated.bundle, expectedVersion: bundle.version, includeRevisions: options.includeRevisions ?? false });
      includeRevisions = started.rotation.includeRevisions;
    } catch (error) {
      // Another device started one at the same moment: help finish that one.
      if (trpcCode(error) === "CONFLICT") return rotateEncryptionKey(options);
      throw error;
    }
    ring = rotated.ring;
  }
  // From here on this device writes under the new key.
  if (options.sync) await options.sync.unlock(passphrase);

  const outstanding = (remaining: { records: number; conflicts: number; revisions: number }) =>
    remaining.records + remaining.conflicts + (includeRevisions ? remaining.revisions : 0);
  let reencrypted = 0;
  let stalled = 0;
  for (let finishing = 0; ; finishing++) {
    for (;;) {
      options.signal?.throwIfAborted();
      const page = await client.sync.rotation.stale.query({ limit: batchSize });
      if (page.items.length === 0) break;
      if (page.toKeyId !== ring.keyId) throw new Error("The encryption key was rotated again meanwhile: run the rotation again.");
      const settled = await Promise.allSettled(page.items.map((item) => reencrypt(ring, me.id, item)));
      const items = settled.flatMap((outcome) => (outcome.status === "fulfilled" ? [outcome.value] : []));
      const rejected = settled.flatMap((outcome) => (outcome.status === "rejected" ? [outcome.reason as unknown] : []));
      const other = rejected.find((reason) => !failedVerification(reason));
      if (other !== undefined) throw other;
      // Only versions no key opens left in the listing: re-encrypting cannot go on past them.
      if (items.length === 0) throw new UnreadableVersionsError(page.items);
      const result = await client.sync.rotation.reencrypt.mutate({ items });
      // A record's current revision row is rewritten with it: count what was asked for, not rows touched.
      const replaced = result.records + result.conflicts + (result.revisions - Math.min(result.revisions, result.records));
      reencrypted += replaced;
      // Items edited meanwhile are skipped and come back re-listed; nothing replaced three times running is not progress.
      stalled = replaced === 0 ? stalled + 1 : 0;
      if (stalled >= 3) throw new Error("Re-encryption makes no progress (records keep changing underneath): try again later.");
      await options.onProgress?.({ phase: "reencrypting", keyId: ring.keyId, done: reencrypted, remaining: outstanding(result.remaining) });
    }
    await options.onProgress?.({ phase: "finishing", keyId: ring.keyId, done: reencrypted, remaining: 0 });
    try {
      const finished = await client.sync.rotation.finish.mutate({ purgeRevisions: options.purgeRevisions ?? false });
      const purged = options.purgeRevisions ? finished.purged : null;
      await options.onProgress?.({ phase: "done", keyId: ring.keyId, done: reencrypted, remaining: 0 });
      return { keyId: ring.keyId, resumed, reencrypted, purged };
    } catch (error) {
      // A device still on the old key pushed meanwhile: re-encrypt that too, then finish.
      if (trpcCode(error) !== "PRECONDITION_FAILED" || finishing >= 5) throw error;
    }
  }
}
