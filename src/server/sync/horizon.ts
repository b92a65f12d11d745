import { sql, type SQL } from "drizzle-orm";
import type { SyncCollection } from "~/lib/schemas/collections";
import { selectRows, type DbOrTx } from "../db/client";
import { AppError } from "../errors";
import type { z } from "zod";
import type { TListingInput, ZListing } from "./schemas";

/** `data.details.reason` of the error a pull from before the retention horizon gets. */
export const RESYNC_REQUIRED = "RESYNC_REQUIRED";

/**
 * A cursor older than the horizon: changes after it were deleted by retention, so
 * a page from there could silently miss deletions. The device must reconcile with
 * `sync.listing` and pull on from the horizon (410 Gone over HTTP, as Google
 * Calendar answers an expired sync token).
 */
export class ResyncRequiredError extends AppError {
  constructor(cursor: number, horizon: number, latestSeq: number) {
    super(
      "PRECONDITION_FAILED",
      `${
        cursor > latestSeq
          ? `This device's cursor (${cursor}) is ahead of the server's latest change (${latestSeq}): the server's data was restored or reset since this device last synced.`
          : `Changes after ${cursor} were deleted by your retention settings (up to ${horizon}).`
      } This device must resync (compare with sync.listing, GET /sync/listing over REST, then pull from ${horizon}).`,
      { reason: RESYNC_REQUIRED, cursor, horizon, latestSeq },
      410,
    );
    this.name = "ResyncRequiredError";
  }
}

/**
 * A pull's cursor must lie between the retention horizon and the end of the user's sequence. Past
 * the end it came from another history (a server restored from a backup): answering it with an
 * empty page and the same cursor would have the device skip every change up to that number.
 * `state` is read after the page (pullChanges' order); none means the user never pushed.
 */
export function assertCursorUsable(cursor: number, state: { trimmedSeq: number; lastSeq: number } | undefined): void {
  const { trimmedSeq, lastSeq } = state ?? { trimmedSeq: 0, lastSeq: 0 };
  if (cursor < trimmedSeq || cursor > lastSeq) throw new ResyncRequiredError(cursor, trimmedSeq, lastSeq);
}

export type Listing = z.infer<typeof ZListing>;
export type ListingEntry = Listing["entries"][number];

/**
 * Every record id the server knows for the user, with its revision and no value:
 * current records, tombstones, and deletions whose tombstones retention removed
 * (deleted: true) — unless the id was stored again since. Paged by sequence
 * number: a record changed while a device pages only moves forward, so it is
 * still met on a later page.
 */
export async function listRecords(db: DbOrTx, userId: string, input: TListingInput): Promise<Listing> {
  const collections = input.collections ?? null;
  const inCollections = (column: SQL) =>
    collections ? sql`and ${column} in (select jsonb_array_elements_text(${JSON.stringify(collections)}::jsonb))` : sql``;
  const rows = await selectRows<{ collection: SyncCollection; id: string; revision: number; seq: number | string; deleted: boolean }>(
    db,
    sql`select * from (
        select collection, record_id as id, revision, seq, deleted from sync_records
        where user_id = ${userId}::uuid and seq > ${input.after} ${inCollections(sql.raw("collection"))}
        union all
        select trimmed.collection, trimmed.record_id, trimmed.revision, trimmed.seq, true from sync_trimmed_deletions trimmed
        where trimmed.user_id = ${userId}::uuid and trimmed.seq > ${input.after} ${inCollections(sql.raw("trimmed.collection"))}
          and not exists (
            select 1 from sync_records stored
            where stored.user_id = trimmed.user_id and stored.collection = trimmed.collection and stored.record_id = trimmed.record_id)
      ) listing
      order by seq limit ${input.limit + 1}`,
  );
  const [state] = await selectRows<{ horizon: number | string; latest: number | string }>(
    db,
    sql`select trimmed_seq as horizon, last_seq as latest from sync_state where user_id = ${userId}::uuid`,
  );
  const hasMore = rows.length > input.limit;
  const entries = rows.slice(0, input.limit).map((row) => ({ ...row, seq: Number(row.seq) }));
  return { entries, next: hasMore ? entries.at(-1)!.seq : null, horizon: Number(state?.horizon ?? 0), latestSeq: Number(state?.latest ?? 0) };
}
