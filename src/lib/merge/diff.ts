import { cloneJson, getOwn, isPlainObject, jsonEqual, unionKeys } from "./json";
import type { Json, JsonObject } from "./json";
import { mergesKeyByKey } from "./three-way";

/**
 * Per-field view of a three-way change, for the conflict page.
 *
 * Kinds (`undefined` = absent):
 * - `unchanged`      local = remote = base
 * - `both_same`      local = remote ≠ base (same edit, same creation, or both deleted)
 * - `local_only`     remote = base, local changed to a present value
 * - `remote_only`    local = base, remote changed to a present value (incl. created)
 * - `deleted_local`  local absent, base present: either remote = base (a clean delete)
 *                    or remote changed too (delete vs change: a conflict)
 * - `deleted_remote` mirror image of `deleted_local`
 * - `both_different` both present, both changed, differently
 *
 * Correspondence with threeWayMerge (property-tested): a path is in `conflicts` of
 * threeWayMerge(base, local, remote) iff diffThreeWay lists it with isConflictChange true,
 * i.e. `both_different`, or `deleted_*` where the other side also differs from base.
 * The delete kinds keep both cases so the page can always say "deleted on this device".
 */
export type FieldChangeKind =
  | "unchanged"
  | "local_only"
  | "remote_only"
  | "both_same"
  | "both_different"
  | "deleted_local"
  | "deleted_remote";

export type FieldChange = {
  path: string[];
  kind: FieldChangeKind;
  /** Each side's value at `path`; the property is omitted where that side is absent. */
  base?: Json;
  local?: Json;
  remote?: Json;
};

/**
 * Leaf paths of the three versions with how each changed, in a deterministic order
 * (local key order, then keys only remote has, then keys only base has).
 *
 * It descends exactly where threeWayMerge merges key by key: local and remote both plain
 * objects, base a plain object or absent. Anywhere else the value is one leaf: arrays are
 * atomic, and an object that became a scalar (or appeared, or was deleted as a whole) is
 * shown as one change of that field, not as a scatter of "deleted" sub-fields. An object
 * whose key union is empty (`{}` on every present side) is a leaf too, so a change such as
 * "both created an empty record" still gets a row.
 */
export function diffThreeWay(
  base: Json | undefined,
  local: Json | undefined,
  remote: Json | undefined,
): FieldChange[] {
  const out: FieldChange[] = [];
  walk([], base, local, remote, out);
  return out;
}

/** Whether threeWayMerge reports this change's path as a conflict (see FieldChangeKind). */
export function isConflictChange(change: FieldChange): boolean {
  switch (change.kind) {
    case "both_different":
      return true;
    case "deleted_local":
      return !jsonEqual(change.remote, change.base);
    case "deleted_remote":
      return !jsonEqual(change.local, change.base);
    default:
      return false;
  }
}

function walk(
  path: string[],
  base: Json | undefined,
  local: Json | undefined,
  remote: Json | undefined,
  out: FieldChange[],
): void {
  if (mergesKeyByKey(base, local, remote)) {
    const l = local as JsonObject;
    const r = remote as JsonObject;
    const b: JsonObject = isPlainObject(base) ? base : {};
    const keys = unionKeys(l, r, b);
    if (keys.length > 0) {
      for (const key of keys) walk([...path, key], getOwn(b, key), getOwn(l, key), getOwn(r, key), out);
      return;
    }
  }
  const change: FieldChange = { path: [...path], kind: classify(base, local, remote) };
  // Copies, so the page can edit a row's values without touching the records.
  if (base !== undefined) change.base = cloneJson(base);
  if (local !== undefined) change.local = cloneJson(local);
  if (remote !== undefined) change.remote = cloneJson(remote);
  out.push(change);
}

/** Same tests, in the same order, as threeWayMerge's shortcuts; see FieldChangeKind. */
function classify(base: Json | undefined, local: Json | undefined, remote: Json | undefined): FieldChangeKind {
  if (jsonEqual(local, remote)) return jsonEqual(local, base) ? "unchanged" : "both_same";
  if (jsonEqual(local, base)) return remote === undefined ? "deleted_remote" : "remote_only";
  if (jsonEqual(remote, base)) return local === undefined ? "deleted_local" : "local_only";
  if (local === undefined) return "deleted_local";
  if (remote === undefined) return "deleted_remote";
  return "both_different";
}
