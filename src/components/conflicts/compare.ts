import { diffThreeWay, threeWayMerge, type FieldChange, type Json } from "~/lib/merge";
import { COLLECTION_MIGRATIONS } from "~/lib/schemas/migrations";
import type { SyncCollection } from "~/lib/schemas/collections";
import { alignVersions, type AlignedVersions, type Migrations, type VersionedValue } from "~/lib/sync/schema-versions";

type Version = { value: Json | null; schemaVersion: number } | null;

export type ConflictComparison = {
  aligned: AlignedVersions;
  merge: ReturnType<typeof threeWayMerge>;
  /** Fields that differ somewhere, for the table. */
  changes: FieldChange[];
  /** What the page says about schemas, or null when all versions share one. */
  schemaNotice: { title: string; text: string } | null;
  /** "Keep mine" would put back an older app's version over a newer one. */
  keepMineDropsFields: boolean;
};

const sideName = { local: "This device's version", remote: "The server's version" } as const;

/**
 * What the conflict page compares: the three decrypted versions brought to one schema
 * where the web app knows the steps (COLLECTION_MIGRATIONS), else compared by field name,
 * with a plain notice of which side came from an older app. Pure, so it is tested directly.
 */
export function compareConflictVersions(
  collection: SyncCollection,
  versions: { base: Version; local: NonNullable<Version>; remote: Version },
  migrations: Migrations = COLLECTION_MIGRATIONS[collection] ?? {},
): ConflictComparison {
  const side = (version: Version): VersionedValue | null => (version ? { value: version.value ?? undefined, schemaVersion: version.schemaVersion } : null);
  const aligned = alignVersions({ base: side(versions.base), local: side(versions.local)!, remote: side(versions.remote) }, { migrations });
  const merge = threeWayMerge(aligned.base, aligned.local, aligned.remote);
  const changes = diffThreeWay(aligned.base, aligned.local, aligned.remote).filter((change) => change.kind !== "unchanged");
  return { aligned, merge, changes, schemaNotice: noticeFor(aligned), keepMineDropsFields: aligned.olderSide === "local" };
}

function noticeFor(aligned: AlignedVersions): ConflictComparison["schemaNotice"] {
  const { olderSide, alignment, versions, schemaVersion } = aligned;
  if (alignment === "same") return null;
  if (olderSide) {
    const older = versions[olderSide]!;
    const title = `${sideName[olderSide]} came from an older app`;
    if (alignment === "upgraded") {
      return { title, text: `It was saved under schema ${older}; both versions are compared after upgrading it to schema ${schemaVersion}.` };
    }
    return {
      title,
      text:
        `It was saved under schema ${older}, the other under schema ${schemaVersion}, and this page does not know how to convert between them, ` +
        "so fields are compared by name. A field only the newer app knows shows as missing on the older side, and the merge keeps it.",
    };
  }
  if (alignment === "upgraded") return { title: "Compared in one schema", text: `Versions saved under older schemas were upgraded to schema ${schemaVersion} before comparing.` };
  return {
    title: "Saved under different schema versions",
    text: `Some versions were saved by another version of the app (schemas: base ${versions.base ?? "—"}, this device ${versions.local}, server ${versions.remote ?? "—"}); fields are compared by name.`,
  };
}
