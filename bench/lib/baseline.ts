/**
 * The physical floor: the minimal SQL a push or a pull must run, sent with raw
 * postgres.js from this process to the same database, with no HTTP, tRPC,
 * validation or application logic in between.
 */
import postgres from "postgres";
import type { EncryptedChange } from "./records";
import { chunk } from "./records";

export const RAW_RECORDS = "bench_raw_records";
export const RAW_REVISIONS = "bench_raw_revisions";

const COLUMNS = ["user_id", "collection", "record_id", "revision", "seq", "ciphertext", "checksum", "schema_version", "deleted", "device_id"] as const;
type RawRow = Record<(typeof COLUMNS)[number], string | number | boolean | null>;

export type Baseline = ReturnType<typeof openBaseline>;

export function openBaseline(databaseUrl: string) {
  const sql = postgres(databaseUrl, { max: 2, onnotice: () => {} });

  /**
   * One batch as a push writes it, in one transaction: a multi-row upsert into the
   * records table and a multi-row insert into the history table.
   */
  const upsertBatch = (rows: RawRow[]) =>
    sql.begin(async (tx) => {
      await tx`
        INSERT INTO ${tx(RAW_RECORDS)} ${tx(rows, ...COLUMNS)}
        ON CONFLICT (user_id, collection, record_id) DO UPDATE SET
          revision = excluded.revision, seq = excluded.seq, ciphertext = excluded.ciphertext,
          checksum = excluded.checksum, schema_version = excluded.schema_version,
          deleted = excluded.deleted, device_id = excluded.device_id, updated_at = now()`;
      await tx`INSERT INTO ${tx(RAW_REVISIONS)} ${tx(rows, ...COLUMNS)}`;
    });

  return {
    /**
     * Tables with exactly the columns, defaults, primary keys, unique (user_id, seq)
     * index and foreign keys of sync_records / sync_revisions (LIKE … INCLUDING ALL
     * copies all but the foreign keys, which are added as the migration declares them).
     */
    async createTables() {
      for (const [table, source] of [
        [RAW_RECORDS, "sync_records"],
        [RAW_REVISIONS, "sync_revisions"],
      ] as const) {
        await sql.unsafe(`CREATE TABLE ${table} (LIKE ${source} INCLUDING ALL)`);
        await sql.unsafe(`ALTER TABLE ${table} ADD FOREIGN KEY (user_id) REFERENCES users(id) ON DELETE CASCADE`);
        await sql.unsafe(`ALTER TABLE ${table} ADD FOREIGN KEY (device_id) REFERENCES devices(id) ON DELETE SET NULL`);
      }
    },

    /** Upserts `changes` as new revisions (seq from `firstSeq`) in batches of `batchSize`; returns the rows written. */
    async upsertAll(userId: string, deviceId: string, changes: readonly EncryptedChange[], batchSize: number, firstSeq = 1) {
      const rows = changes.map(
        (change, index): RawRow => ({
          user_id: userId,
          collection: change.collection,
          record_id: change.id,
          revision: 1,
          seq: firstSeq + index,
          ciphertext: change.ciphertext,
          checksum: change.checksum,
          schema_version: change.schemaVersion,
          deleted: change.deleted,
          device_id: deviceId,
        }),
      );
      for (const batch of chunk(rows, batchSize)) await upsertBatch(batch);
      return rows.length;
    },

    /** Reads a table back in seq order, `limit` rows per query, as pull pages; returns the rows read. */
    async readAll(table: string, userId: string, limit: number) {
      let cursor = 0;
      let total = 0;
      for (;;) {
        const page = await sql`
          SELECT collection, record_id, revision, seq, ciphertext, checksum, schema_version, deleted
          FROM ${sql(table)} WHERE user_id = ${userId} AND seq > ${cursor} ORDER BY seq LIMIT ${limit}`;
        total += page.length;
        if (page.length < limit) return total;
        cursor = Number(page.at(-1)!.seq);
      }
    },

    async serverVersion(): Promise<string> {
      const [row] = await sql<{ version: string }[]>`SELECT version()`;
      return row!.version;
    },

    sql,
    close: () => sql.end({ timeout: 5 }),
  };
}
