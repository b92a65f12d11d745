/**
 * Per-collection schema versions for the sync client: which version this app writes,
 * how older records are upgraded when read, and the rule that an app never rewrites a
 * record a newer app wrote (it would drop the fields it does not know).
 *
 * The version travels beside each ciphertext and is bound into its additional data
 * (see src/lib/crypto/records.ts), so the server cannot change it undetected; only
 * the apps read and migrate the values.
 */
import type { Json } from "../lib/merge/json";
import { SYNC_COLLECTIONS, type SyncCollection } from "../lib/schemas/collections";
import { alignVersions, upgradeValue, type Migrations, type VersionedValue } from "../lib/sync/schema-versions";
import type { LocalRecord } from "./store";

export type { Migration, Migrations } from "../lib/sync/schema-versions";

/**
 * A collection's current schema and the steps up to it: `migrate[k]` turns a version k-1
 * value into version k. Every step from 2 to `version` is required (`(v) => v` when only
 * optional fields were added).
 */
export type CollectionSchema = { version: number; migrate?: Migrations };
export type CollectionSchemas = Partial<Record<SyncCollection, CollectionSchema>>;

/** Thrown by `put` or `delete` on a record written by a newer version of the app. */
export class NewerSchemaError extends Error {
  constructor(
    readonly collection: string,
    readonly recordId: string,
    readonly schemaVersion: number,
    readonly appSchemaVersion: number,
  ) {
    super(
      `${collection}/${recordId} was saved by a newer DevPulse (schema ${schemaVersion}; this app knows up to ${appSchemaVersion}): update DevPulse to edit this record.`,
    );
    this.name = "NewerSchemaError";
  }
}

/** What `getRecord` returns: the value as this app reads it, and whether it may write it. */
export type RecordView = {
  value: Json;
  /** The schema `value` is in: this app's own, or a newer app's for a read-only record. */
  schemaVersion: number;
  /** Written by a newer app: shown as it is, and `put` / `delete` refuse it. */
  readOnly: boolean;
};

const identity = (value: Json) => value;

function checkedSchemas(schemas: CollectionSchemas, legacy: Partial<Record<SyncCollection, number>>) {
  const out = new Map<string, { version: number; migrations: Migrations }>();
  for (const collection of SYNC_COLLECTIONS) {
    const schema = schemas[collection];
    if (schema) {
      const { version, migrate = {} } = schema;
      if (!Number.isSafeInteger(version) || version < 1) throw new TypeError(`schemas.${collection}.version must be a whole number ≥ 1`);
      for (const key of Object.keys(migrate)) {
        const step = Number(key);
        if (!Number.isSafeInteger(step) || step < 2 || step > version) {
          throw new TypeError(`schemas.${collection}.migrate[${key}]: steps are numbered 2 to ${version} (the version each one produces)`);
        }
      }
      for (let step = 2; step <= version; step++) {
        if (typeof migrate[step] !== "function") {
          throw new TypeError(`schemas.${collection}.migrate[${step}] is missing: add the step from version ${step - 1} to ${step} (\`(v) => v\` if the shape did not change)`);
        }
      }
      out.set(collection, { version, migrations: migrate });
    } else if (legacy[collection] !== undefined) {
      // `schemaVersions` only labelled records, without migrations: older records read as they are.
      const version = legacy[collection];
      out.set(collection, { version, migrations: Object.fromEntries(Array.from({ length: version }, (_, i) => [i + 1, identity])) });
    }
  }
  return out;
}

export function createSchemaRegistry(schemas: CollectionSchemas = {}, legacy: Partial<Record<SyncCollection, number>> = {}) {
  const byCollection = checkedSchemas(schemas, legacy);
  const versionOf = (collection: string) => byCollection.get(collection)?.version ?? 1;
  const migrationsOf = (collection: string) => byCollection.get(collection)?.migrations ?? {};
  // Upgraded values by stored record: a record is migrated once, on its first read, and again
  // only once it changes (every change replaces the LocalRecord object).
  const upgraded = new WeakMap<LocalRecord, Json | null>();

  const registry = {
    versionOf,
    /** Whether this app is older than the schema `schemaVersion` of `collection`. */
    isNewer: (collection: string, schemaVersion: number) => schemaVersion > versionOf(collection),

    /** The record as this app reads it: upgraded to its schema, or as written when a newer app wrote it. */
    view(collection: string, record: LocalRecord): RecordView | undefined {
      if (record.deleted || record.value === null) return undefined;
      const appVersion = versionOf(collection);
      if (record.schemaVersion >= appVersion) {
        return { value: record.value, schemaVersion: record.schemaVersion, readOnly: record.schemaVersion > appVersion };
      }
      if (!upgraded.has(record)) upgraded.set(record, upgradeValue(record.value, record.schemaVersion, appVersion, migrationsOf(collection)) ?? null);
      return { value: upgraded.get(record)!, schemaVersion: appVersion, readOnly: false };
    },

    /** Refuses a write to a record a newer app wrote (see NewerSchemaError). */
    assertWritable(collection: string, id: string, record: LocalRecord | undefined) {
      if (record && !record.deleted && registry.isNewer(collection, record.schemaVersion)) {
        throw new NewerSchemaError(collection, id, record.schemaVersion, versionOf(collection));
      }
    },

    /** A conflict's three versions in one schema, upgraded to this app's where it knows how. */
    align(collection: string, sides: { base: VersionedValue | null; local: VersionedValue; remote: VersionedValue | null }) {
      return alignVersions(sides, { migrations: migrationsOf(collection), atLeast: versionOf(collection) });
    },
  };
  return registry;
}

export type SchemaRegistry = ReturnType<typeof createSchemaRegistry>;
