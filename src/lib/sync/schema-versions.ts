import { cloneJson, type Json } from "../merge/json";

/**
 * Schema versions of encrypted records. The server cannot read a record, so it cannot
 * migrate one: the apps do, on read. Isomorphic (no Node, DOM or server imports), shared
 * by the sync client and the web conflict page.
 *
 * `migrations[k]` turns a value of schema k-1 into one of schema k. Steps should be pure
 * and deterministic: the same old value must always give the same new one, or the base
 * and a side upgraded separately would differ on fields nobody edited.
 */
export type Migration = (previous: Json) => Json;
export type Migrations = Readonly<Record<number, Migration>>;

/** A value with the schema it was written under; `undefined` value = deleted or absent. */
export type VersionedValue = { value: Json | undefined; schemaVersion: number };

/** Whether every step from `from` up to `to` is known (nothing to do when from ≥ to). */
export function canUpgrade(from: number, to: number, migrations: Migrations): boolean {
  for (let step = from + 1; step <= to; step++) if (typeof migrations[step] !== "function") return false;
  return true;
}

/**
 * Runs the steps from `from` to `to` in order, each once, on a copy (a step that
 * mutates its argument cannot reach the caller's value). Absent values stay absent.
 */
export function upgradeValue(value: Json | undefined, from: number, to: number, migrations: Migrations): Json | undefined {
  if (value === undefined || from >= to) return value;
  if (!canUpgrade(from, to, migrations)) throw new Error(`No migration from schema ${from} to ${to}`);
  let current = cloneJson(value);
  for (let step = from + 1; step <= to; step++) current = migrations[step]!(current);
  return current;
}

export type AlignedVersions = {
  base: Json | undefined;
  local: Json | undefined;
  remote: Json | undefined;
  /** The schema the three values are now in, and that a merge of them is written under. */
  schemaVersion: number;
  /**
   * `same`: every side was already in one schema; `upgraded`: older sides were migrated to
   * `schemaVersion`; `by_name`: some side could not be migrated (no step known), so fields are
   * compared by name as they are — a field only one schema has shows as added or removed.
   */
  alignment: "same" | "upgraded" | "by_name";
  /** Which side (both present) was written under an older schema, i.e. by an older app. */
  olderSide: "local" | "remote" | null;
  versions: { base: number | null; local: number; remote: number | null };
};

/**
 * Brings the three versions of a conflict to one schema before they are compared or merged:
 * the newest of them (or `atLeast`, this app's own version, when higher). When a side cannot
 * be migrated there, nothing is guessed: the values stay as written and are compared by name,
 * except that the base is brought to the local side's schema where possible, so that the
 * local side's changes are its edits and not the migration's.
 *
 * Comparing by name stays safe for a three-way merge: every field a migration changed differs
 * from the base on the migrated side, so an edit to it from an older side is a conflict, not a
 * silent overwrite; fields only the newer side has are kept.
 */
export function alignVersions(
  sides: { base: VersionedValue | null; local: VersionedValue; remote: VersionedValue | null },
  options: { migrations?: Migrations; atLeast?: number } = {},
): AlignedVersions {
  const migrations = options.migrations ?? {};
  const { base, local, remote } = sides;
  const present = [base, local, remote].filter((side): side is VersionedValue => side !== null);
  const target = Math.max(options.atLeast ?? 0, ...present.map((side) => side.schemaVersion));
  const versions = { base: base?.schemaVersion ?? null, local: local.schemaVersion, remote: remote?.schemaVersion ?? null };
  const olderSide =
    remote && local.value !== undefined && remote.value !== undefined && local.schemaVersion !== remote.schemaVersion
      ? local.schemaVersion < remote.schemaVersion
        ? "local"
        : "remote"
      : null;

  // Tombstones carry the deleting app's version but no fields: they never block an upgrade.
  const reachable = present.every((side) => side.value === undefined || canUpgrade(side.schemaVersion, target, migrations));
  if (reachable) {
    const up = (side: VersionedValue | null) => (side ? upgradeValue(side.value, side.schemaVersion, target, migrations) : undefined);
    const same = present.every((side) => side.value === undefined || side.schemaVersion === target);
    return { base: up(base), local: up(local), remote: up(remote), schemaVersion: target, alignment: same ? "same" : "upgraded", olderSide, versions };
  }
  const baseValue =
    base && local.schemaVersion > base.schemaVersion && canUpgrade(base.schemaVersion, local.schemaVersion, migrations)
      ? upgradeValue(base.value, base.schemaVersion, local.schemaVersion, migrations)
      : base?.value;
  return { base: baseValue, local: local.value, remote: remote?.value, schemaVersion: target, alignment: "by_name", olderSide, versions };
}
