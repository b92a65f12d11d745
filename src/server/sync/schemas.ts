import { z } from "zod";
import { ZRevision, ZStrictBoolean, ZText } from "~/lib/schemas/primitives";
import { INITIAL_KEY_ID, KDF_MIN_ITERATIONS, MAX_KEY_ID } from "~/lib/crypto/keys";
import { envelopeKeyId } from "~/lib/crypto/records";
import { ZRecordId, ZSyncCollection } from "~/lib/schemas/collections";
import { conflictStrategies, syncConflictTypes } from "../db/schema";

/** Limits of one push or pull; each breach is answered with a message saying what to do. */
export const SYNC_LIMITS = {
  maxChangesPerPush: 500,
  maxCiphertextBytes: 64 * 1024,
  maxBatchCiphertextBytes: 8 * 1024 * 1024,
  maxPullLimit: 1000,
  defaultPullLimit: 200,
  maxListingLimit: 5000,
  defaultListingLimit: 2000,
} as const;

const ZChecksum = ZText.regex(/^[0-9a-f]{64}$/, "Checksum must be the lowercase hex SHA-256 of the ciphertext");
export const ZSchemaVersion = z.number().int().min(1).max(10_000);
/** The data key a ciphertext is under, as the client says (the server cannot verify it); 1 from clients that predate key rotation. */
export const ZKeyId = z.number().int().min(INITIAL_KEY_ID, "Key ids start at 1").max(MAX_KEY_ID);

/**
 * A key id sent beside an envelope names the key the envelope names, when the envelope names one:
 * readers pick the key by the envelope, and the server counts rotation by the claim, so a mismatch
 * would pass the server's key checks and then lock every reader out. Refine with KEY_ID_MISMATCH.
 */
export const keyIdMatchesEnvelope = (value: { keyId?: number; ciphertext: string | null }) =>
  value.keyId === undefined || value.ciphertext === null || (envelopeKeyId(value.ciphertext) ?? value.keyId) === value.keyId;
export const KEY_ID_MISMATCH = { message: "keyId differs from the key id the envelope names", path: ["keyId"] };

export const ZEncryptedValue = z.object({
  ciphertext: ZText
    .min(1)
    .max(SYNC_LIMITS.maxCiphertextBytes, `Ciphertext is larger than ${SYNC_LIMITS.maxCiphertextBytes / 1024} KiB`),
  checksum: ZChecksum,
});

export const ZPushChange = z
  .object({
    collection: ZSyncCollection,
    id: ZRecordId,
    /** The server revision this change was made on; null when the device created the record. */
    baseRevision: ZRevision.nullable(),
    ciphertext: ZEncryptedValue.shape.ciphertext.nullable(),
    checksum: ZChecksum.nullable(),
    schemaVersion: ZSchemaVersion,
    /** Never coerced: over REST (POST /sync/upload) a stray "false" would otherwise delete the record. */
    deleted: ZStrictBoolean,
    /** The data key the ciphertext is under; when left out, the key id the envelope names (key 1 for a version 1 envelope). */
    keyId: ZKeyId.optional(),
  })
  .refine((change) => change.deleted || (change.ciphertext !== null && change.checksum !== null), {
    message: "A change that is not a deletion needs a ciphertext and its checksum",
    path: ["ciphertext"],
  })
  .refine((change) => (change.ciphertext === null) === (change.checksum === null), {
    message: "Ciphertext and checksum come together",
    path: ["checksum"],
  })
  .refine(keyIdMatchesEnvelope, KEY_ID_MISMATCH);
export type TPushChange = z.infer<typeof ZPushChange>;

export const ZPushInput = z.object({
  idempotencyKey: ZText.min(8, "Idempotency key is too short").max(128),
  deviceId: z.uuid("deviceId must be the id of one of your devices"),
  changes: z
    .array(ZPushChange)
    .min(1, "A push needs at least one change")
    .max(SYNC_LIMITS.maxChangesPerPush, `A push may carry at most ${SYNC_LIMITS.maxChangesPerPush} changes: split the batch`)
    .superRefine((changes, ctx) => {
      const seen = new Set<string>();
      let bytes = 0;
      changes.forEach((change, index) => {
        const key = `${change.collection}/${change.id}`;
        if (seen.has(key)) ctx.addIssue({ code: "custom", path: [index, "id"], message: `${key} appears twice in one push` });
        seen.add(key);
        bytes += change.ciphertext?.length ?? 0;
      });
      if (bytes > SYNC_LIMITS.maxBatchCiphertextBytes) {
        ctx.addIssue({ code: "custom", message: `The batch carries more than ${SYNC_LIMITS.maxBatchCiphertextBytes / 1024 / 1024} MiB of ciphertext: split it` });
      }
    }),
});
export type TPushInput = z.infer<typeof ZPushInput>;

export const ZPullInput = z.object({
  cursor: z.number().int().nonnegative().default(0),
  limit: z.number().int().min(1).max(SYNC_LIMITS.maxPullLimit).default(SYNC_LIMITS.defaultPullLimit),
  collections: z.array(ZSyncCollection).min(1).optional(),
});
export type TPullInput = z.infer<typeof ZPullInput>;

/** A page of the compact listing (ids and revisions, no ciphertext) after a sequence number. */
export const ZListingInput = z.object({
  after: z.number().int().nonnegative().default(0),
  limit: z.number().int().min(1).max(SYNC_LIMITS.maxListingLimit).default(SYNC_LIMITS.defaultListingLimit),
  collections: z.array(ZSyncCollection).min(1).optional(),
});
export type TListingInput = z.infer<typeof ZListingInput>;

/** A page of the listing: each record's id and revision (deletions included, no ciphertext), for a device that must resync. */
export const ZListing = z.object({
  entries: z.array(z.object({ collection: ZSyncCollection, id: z.string(), revision: z.number().int(), seq: z.number().int(), deleted: z.boolean() })),
  /** Pass it as the next call's `after`; null at the end. */
  next: z.number().int().nullable(),
  /** Pull on from here once the listing is compared. */
  horizon: z.number().int(),
  latestSeq: z.number().int(),
});

/** What the server stores about the user's keys; it checks the parameters but never derives a key. */
export const ZKeyBundle = z.object({
  params: z.object({
    kdf: z.literal("PBKDF2-HMAC-SHA256", "Only PBKDF2-HMAC-SHA256 is supported"),
    iterations: z
      .number()
      .int()
      .min(KDF_MIN_ITERATIONS, `Key derivation needs at least ${KDF_MIN_ITERATIONS.toLocaleString("en")} iterations`)
      .max(10_000_000),
    salt: ZText.min(22, "Salt must be at least 16 bytes").max(256),
    version: z.literal(1),
  }),
  wrappedKey: ZText.min(16).max(1024),
  keyCheck: ZText.min(16).max(1024),
  keyId: ZKeyId.default(INITIAL_KEY_ID),
  /** Earlier data keys, encrypted under this one by the client (key rotation). */
  previousKeys: z
    .array(z.object({ keyId: ZKeyId, wrappedKey: ZText.min(16).max(1024) }))
    .max(1000, "At most 1000 previous keys")
    .default([]),
});
export type TKeyBundle = z.infer<typeof ZKeyBundle>;

// ─── Outputs: what sync procedures answer (tRPC validates them; the REST document shows them) ───

/** One stored version of a record as it travels: a tombstone has no ciphertext. */
export const ZRecordVersion = z.object({
  revision: z.number().int(),
  /** Its position in the user's change sequence. */
  seq: z.number().int(),
  ciphertext: z.string().nullable(),
  checksum: z.string().nullable(),
  schemaVersion: z.number().int(),
  deleted: z.boolean(),
  /** The data key the ciphertext is under (null for a tombstone). */
  keyId: z.number().int().nullable(),
});

export const ZPulledChange = ZRecordVersion.extend({ collection: ZSyncCollection, id: z.string() });

export const ZPullResult = z.object({
  changes: z.array(ZPulledChange),
  /** Pass it as the next call's `cursor`. */
  cursor: z.number().int(),
  hasMore: z.boolean(),
  latestSeq: z.number().int(),
});

export const ZChangeResult = z.discriminatedUnion("status", [
  z.object({ collection: ZSyncCollection, id: z.string(), status: z.literal("applied"), revision: z.number().int(), seq: z.number().int() }),
  z.object({ collection: ZSyncCollection, id: z.string(), status: z.literal("unchanged"), revision: z.number().int() }),
  z.object({
    collection: ZSyncCollection,
    id: z.string(),
    status: z.literal("conflict"),
    conflictId: z.string(),
    type: z.enum(syncConflictTypes),
    /** The server's version, to resolve against; null when the record was deleted and its tombstone removed by retention. */
    remote: ZRecordVersion.nullable(),
  }),
]);

export const ZPushResult = z.object({ cursor: z.number().int(), applied: z.number().int(), conflicts: z.number().int(), results: z.array(ZChangeResult) });

/** The key bundle as stored (sync.keys.get): null before the first device set a passphrase. */
export const ZStoredKeyBundle = z
  .object({
    params: z.object({ kdf: z.string(), iterations: z.number().int(), salt: z.string(), version: z.number().int() }),
    wrappedKey: z.string(),
    keyCheck: z.string(),
    /** Bumped by every passphrase change: pass it as `expectedVersion` to rotatePassphrase. */
    version: z.number().int(),
    keyId: z.number().int(),
    previousKeys: z.array(z.object({ keyId: z.number().int(), wrappedKey: z.string() })),
  })
  .nullable();

export const ZKeyBundleVersion = z.object({ version: z.number().int() });

export const ZDeleteAllResult = z.object({ deletedRecords: z.number().int() });

export const ZResolveConflictResult = z.object({
  id: z.string(),
  strategy: z.enum(conflictStrategies),
  /** The record's revision after the resolution (null: there is no record). */
  revision: z.number().int().nullable(),
  cursor: z.number().int(),
});
