import type { Sql } from "postgres";
import { assertCursorUsable } from "./horizon";
import type { TPullInput } from "./schemas";

/**
 * A pull page as the bytes of tRPC's answer, from a Postgres server, without a JavaScript string
 * or object per field. `pullChanges` (pull.ts) reads the same page as row objects; tRPC then checks
 * them with zod, serialises them into a 1.7 MB string and encodes that to bytes: the server spent
 * more CPU per page of 1,000 records than the raw read takes, and the garbage set its peak memory
 * (bench/README.md).
 *
 * Here postgres.js hands over each field as the bytes Postgres sent (`.raw()`: text format, so
 * numbers are their digits and booleans `t`/`f`), and the answer is written into one buffer around
 * them. It is byte for byte what tRPC answers for the same page (tests/integration/sync-pull-bytes
 * holds it to that), so the SDK, the web app and any tRPC client read it unchanged.
 *
 * A text field is copied as it is only when its bytes are already valid JSON string content: no
 * quote, backslash or control byte, which JSON would escape. A page where any is not answers `null`,
 * and the caller serves that page the ordinary way. Ciphertext is base64-like in practice, checksums
 * are hex and ids are restricted, so that is rare. Checking costs two `indexOf` per text field and
 * one `indexOf` per control byte over the written answer (native memchr: ~0.5 ms a 1.7 MB page here,
 * where one pass of JavaScript over its bytes took ~1.6 ms and a regular expression 7–9 ms).
 *
 * The bytes are copied as UTF-8 JSON: the database is UTF-8 (as `createdb` makes it by default and
 * every migration assumes), so Postgres sends valid UTF-8, with no lone surrogates to escape.
 */

/** The columns in the key order of ZPulledChange as zod outputs it (ZRecordVersion's keys, then collection and id), and how each is written. */
const FIELDS = [
  ["revision", "number"],
  ["seq", "number"],
  ["ciphertext", "string"],
  ["checksum", "string"],
  ["schemaVersion", "number"],
  ["deleted", "boolean"],
  ["keyId", "number"],
  ["collection", "string"],
  ["id", "string"],
] as const;

const bytes = (text: string) => Buffer.from(text, "utf8");
/** `{"revision":`, `,"seq":` … */
const KEY_BYTES = FIELDS.map(([key], index) => bytes(`${index === 0 ? "{" : ","}"${key}":`));
const NULL = bytes("null");
const TRUE = bytes("true");
const FALSE = bytes("false");
const HEAD = bytes('{"result":{"data":{"json":{"changes":[');
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const ROW_END = 0x7d; // }
/** Bytes JSON writes escaped inside a string besides the quote and the backslash. */
const CONTROL_BYTES = Array.from({ length: 0x20 }, (_, byte) => byte);

type RawField = Buffer | null;

export type PullBytes = { body: Buffer<ArrayBuffer>; hasMore: boolean };

/**
 * The page after `input.cursor` as tRPC's JSON answer, or null when a text field of it needs
 * escaping. Read in pullChanges' order (the page, then the horizon), so a retention trim that
 * committed before the page was read refuses the cursor.
 */
export async function pullPageBytes(sql: Sql, userId: string, input: TPullInput): Promise<PullBytes | null> {
  const rows = (await sql`
    SELECT revision, seq, ciphertext, checksum, schema_version, deleted, key_id, collection, record_id
    FROM sync_records
    WHERE user_id = ${userId} AND seq > ${input.cursor} ${input.collections ? sql`AND collection IN ${sql(input.collections)}` : sql``}
    ORDER BY seq LIMIT ${input.limit + 1}`.raw()) as unknown as RawField[][];
  const [state] = await sql<{ lastSeq: string; trimmedSeq: string }[]>`SELECT last_seq AS "lastSeq", trimmed_seq AS "trimmedSeq" FROM sync_state WHERE user_id = ${userId}`;
  const lastSeq = state ? Number(state.lastSeq) : 0;
  assertCursorUsable(input.cursor, state && { trimmedSeq: Number(state.trimmedSeq), lastSeq });

  const hasMore = rows.length > input.limit;
  const page = hasMore ? rows.slice(0, input.limit) : rows;
  const cursor = page.length > 0 ? Number(page.at(-1)![1]!.toString("latin1")) : input.cursor;
  const tail = bytes(`],"cursor":${cursor},"hasMore":${hasMore},"latestSeq":${lastSeq}}}}}`);
  const body = changesAsJson(page, tail);
  return body && { body, hasMore };
}

function valueLength(field: RawField, kind: (typeof FIELDS)[number][1]): number {
  if (field === null) return NULL.length;
  if (kind === "boolean") return field[0] === 0x74 /* t */ ? TRUE.length : FALSE.length;
  return kind === "string" ? field.length + 2 : field.length;
}

/** HEAD, the rows as JSON objects, `tail`: sized first, then written into one buffer. Null if a text field needs escaping. */
function changesAsJson(rows: RawField[][], tail: Buffer): Buffer<ArrayBuffer> | null {
  let size = HEAD.length + tail.length + Math.max(rows.length - 1, 0);
  for (const row of rows) {
    size += 1; // the row's closing brace
    for (let column = 0; column < FIELDS.length; column++) {
      const field = row[column]!;
      const kind = FIELDS[column]![1];
      if (kind === "string" && field !== null && (field.indexOf(QUOTE) >= 0 || field.indexOf(BACKSLASH) >= 0)) return null;
      size += KEY_BYTES[column]!.length + valueLength(field, kind);
    }
  }
  const out = Buffer.allocUnsafe(size);
  let at = HEAD.copy(out, 0);
  for (let index = 0; index < rows.length; index++) {
    if (index > 0) out[at++] = COMMA;
    const row = rows[index]!;
    for (let column = 0; column < FIELDS.length; column++) {
      at += KEY_BYTES[column]!.copy(out, at);
      const field = row[column]!;
      const kind = FIELDS[column]![1];
      if (field === null) at += NULL.copy(out, at);
      else if (kind === "boolean") at += (field[0] === 0x74 ? TRUE : FALSE).copy(out, at);
      else if (kind === "number") at += field.copy(out, at);
      else {
        out[at++] = QUOTE;
        at += field.copy(out, at);
        out[at++] = QUOTE;
      }
    }
    out[at++] = ROW_END;
  }
  at += tail.copy(out, at);
  // Nothing this function writes is a control byte: one found came from a text field, which JSON would have escaped.
  for (const byte of CONTROL_BYTES) if (out.indexOf(byte) >= 0) return null;
  return out;
}
