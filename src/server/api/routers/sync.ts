import { z } from "zod";
import { ZRevision } from "~/lib/schemas/primitives";
import { deleteAllSyncData } from "../../sync/delete-all";
import { listDevices } from "../../devices/devices";
import { getSyncOverview } from "../../sync/overview";
import { getSyncKeys, rotateSyncPassphrase, setupSyncKeys } from "../../sync/keys";
import { listRecords } from "../../sync/horizon";
import {
  finishKeyRotation,
  getKeyRotationStatus,
  listStaleItems,
  reencryptItems,
  startKeyRotation,
  ZFinishKeyRotationInput,
  ZReencryptInput,
  ZStaleItemsInput,
  ZStartKeyRotationInput,
} from "../../sync/key-rotation";
import { pullChanges } from "../../sync/pull";
import { assertPushDevice, pushChanges } from "../../sync/push";
import {
  ZDeleteAllResult,
  ZKeyBundle,
  ZKeyBundleVersion,
  ZListing,
  ZListingInput,
  ZPullInput,
  ZPullResult,
  ZPushInput,
  ZPushResult,
  ZStoredKeyBundle,
} from "../../sync/schemas";
import { currentConsent, recordConsent } from "../../privacy/consents";
import { createTRPCRouter, protectedProcedure } from "../trpc";

const keysRouter = createTRPCRouter({
  /** Signed in: the key bundle (params, wrapped data key, key check), or null before the first unlock. */
  get: protectedProcedure
    .meta({ openapi: { method: "GET", path: "/sync/keys", protect: true, tags: ["Sync"], summary: "Get the key bundle (null before the first passphrase)" } })
    .output(ZStoredKeyBundle)
    .query(({ ctx }) => getSyncKeys(ctx.db, ctx.user.id)),

  /** Signed in: store the first key bundle; refused if one exists. */
  setup: protectedProcedure
    .meta({ openapi: { method: "POST", path: "/sync/keys", protect: true, tags: ["Sync"], summary: "Store the first key bundle (turns cloud sync on)", errorResponses: [409] } })
    .input(ZKeyBundle)
    .output(ZKeyBundleVersion)
    .mutation(async ({ ctx, input }) => {
      const keys = await setupSyncKeys(ctx.db, ctx.user.id, input);
      // Setting a sync passphrase on a device is how a person turns cloud sync on: record that consent.
      if (!(await currentConsent(ctx.db, ctx.user.id, "cloud_sync"))?.granted) await recordConsent(ctx.db, ctx.user.id, { type: "cloud_sync", granted: true });
      return keys;
    }),

  /** Signed in: replace the wrapping after a passphrase change (data key unchanged). */
  rotatePassphrase: protectedProcedure
    .input(z.object({ bundle: ZKeyBundle, expectedVersion: ZRevision }))
    .mutation(({ ctx, input }) => rotateSyncPassphrase(ctx.db, ctx.user.id, input)),
});

/** Key rotation after a device is lost: one unlocked device re-encrypts everything (src/client/key-rotation.ts). */
const rotationRouter = createTRPCRouter({
  /** Signed in: the current key id, the latest rotation and what it still has to re-encrypt. */
  status: protectedProcedure.query(({ ctx }) => getKeyRotationStatus(ctx.db, ctx.user.id)),

  /** Signed in: publish the new key bundle (next key id) and open the rotation. */
  start: protectedProcedure.input(ZStartKeyRotationInput).mutation(({ ctx, input }) => startKeyRotation(ctx.db, ctx.user.id, ctx.device?.id ?? null, input)),

  /** Signed in: the next ciphertexts still under an older key, for the device to re-encrypt. */
  stale: protectedProcedure.input(ZStaleItemsInput).query(({ ctx, input }) => listStaleItems(ctx.db, ctx.user.id, input)),

  /** Signed in: swap in re-encrypted ciphertexts (each only if unchanged meanwhile). */
  reencrypt: protectedProcedure.input(ZReencryptInput).mutation(({ ctx, input }) => reencryptItems(ctx.db, ctx.user.id, input)),

  /** Signed in: finish once nothing is left under the old key (then refused); optionally purge old revisions. */
  finish: protectedProcedure.input(ZFinishKeyRotationInput).mutation(({ ctx, input }) => finishKeyRotation(ctx.db, ctx.user.id, input)),
});

/** `sync.pull` up to its resolver: the middleware chain and input, shared with the answer written from Postgres's bytes (api/pull-answer.ts). */
export const pullProcedure = protectedProcedure.input(ZPullInput);

export const syncRouter = createTRPCRouter({
  keys: keysRouter,
  rotation: rotationRouter,

  /** Signed in, for one of the caller's devices: apply a batch of encrypted changes atomically. */
  push: protectedProcedure
    .meta({ openapi: { method: "POST", path: "/sync/upload", protect: true, tags: ["Sync"], summary: "Upload a batch of encrypted changes (atomic)", errorResponses: [409, 412, 413, 422] } })
    .input(ZPushInput)
    .output(ZPushResult)
    .mutation(async ({ ctx, input }) => {
      await assertPushDevice(ctx.db, ctx.user.id, input.deviceId, ctx.device?.id ?? null);
      return pushChanges(ctx.db, ctx.user.id, input);
    }),

  /** Signed in: changes after a cursor, in order, paginated (tombstones included). Answered from Postgres's bytes over /api/trpc (api/pull-answer.ts). */
  pull: pullProcedure
    .meta({ openapi: { method: "GET", path: "/sync/download", protect: true, tags: ["Sync"], summary: "Download the changes after a cursor", errorResponses: [410] } })
    .output(ZPullResult)
    .query(({ ctx, input }) => pullChanges(ctx.db, ctx.user.id, input, ctx.device?.id ?? null)),

  /** Signed in: the caller's record ids and revisions (deletions included), no ciphertext, paginated: to resync after RESYNC_REQUIRED. */
  listing: protectedProcedure
    .meta({ openapi: { method: "GET", path: "/sync/listing", protect: true, tags: ["Sync"], summary: "List every record's id and revision, no ciphertext (to resync after RESYNC_REQUIRED)" } })
    .input(ZListingInput)
    .output(ZListing)
    .query(({ ctx, input }) => listRecords(ctx.db, ctx.user.id, input)),

  /** Signed in: whether sync is set up, records stored, open conflicts, last sync. */
  overview: protectedProcedure.query(({ ctx }) => getSyncOverview(ctx.db, ctx.user.id)),

  /** Signed in: the user's devices with their last sync. */
  devices: protectedProcedure.query(({ ctx }) => listDevices(ctx.db, ctx.user.id)),

  /** Signed in: delete every synced record, revision, conflict and the key bundle. */
  deleteAll: protectedProcedure
    .meta({ openapi: { method: "DELETE", path: "/sync/data", protect: true, tags: ["Sync"], summary: "Delete every synced record, revision, conflict and the key bundle" } })
    .input(z.object({ confirm: z.literal("DELETE", "Type DELETE to confirm") }))
    .output(ZDeleteAllResult)
    .mutation(({ ctx }) => deleteAllSyncData(ctx.db, ctx.user.id)),
});
