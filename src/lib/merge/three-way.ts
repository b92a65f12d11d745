import { cloneJson, getOwn, isPlainObject, jsonEqual, setOwn, unionKeys } from "./json";
import type { Json, JsonObject } from "./json";

/**
 * Field-level three-way merge of JSON records.
 *
 * `undefined` means absent: a key missing from an object, or, at the top level, a record
 * deleted on that side (or not yet created, for `base`).
 */

export type MergeConflict = {
  /** Keys from the record root to the conflicting value; `[]` is the whole record. */
  path: string[];
  base: Json | undefined;
  local: Json | undefined;
  remote: Json | undefined;
};

export type MergeResult = {
  /** `undefined` when the merged record is deleted. At conflicts it holds the local value. */
  merged: Json | undefined;
  conflicts: MergeConflict[];
  clean: boolean;
};

export function threeWayMerge(
  base: Json | undefined,
  local: Json | undefined,
  remote: Json | undefined,
): MergeResult {
  const conflicts: MergeConflict[] = [];
  const merged = mergeAt([], base, local, remote, conflicts);
  return { merged, conflicts, clean: conflicts.length === 0 };
}

/**
 * Whether two differing sides are merged key by key rather than compared as whole values.
 * Both sides must be objects; an absent base is an empty object (both sides created the
 * record or field), but any other base (null, a string, an array) makes it a type change,
 * which is a conflict like any other. Exported so diffThreeWay recurses exactly where the
 * merge does and their conflict paths agree.
 */
export function mergesKeyByKey(
  base: Json | undefined,
  local: Json | undefined,
  remote: Json | undefined,
): boolean {
  return isPlainObject(local) && isPlainObject(remote) && (base === undefined || isPlainObject(base));
}

function mergeAt(
  path: string[],
  base: Json | undefined,
  local: Json | undefined,
  remote: Json | undefined,
  conflicts: MergeConflict[],
): Json | undefined {
  // Order matters only for which equal value is returned; all are cloned so that the
  // result never aliases (and cannot be mutated through) the inputs.
  if (jsonEqual(local, remote)) return cloneJson(local);
  if (jsonEqual(local, base)) return cloneJson(remote);
  if (jsonEqual(remote, base)) return cloneJson(local);

  if (mergesKeyByKey(base, local, remote)) {
    const l = local as JsonObject;
    const r = remote as JsonObject;
    const b: JsonObject = isPlainObject(base) ? base : {};
    const out: JsonObject = {};
    for (const key of unionKeys(l, r, b)) {
      const value = mergeAt([...path, key], getOwn(b, key), getOwn(l, key), getOwn(r, key), conflicts);
      // Deleted (or deleted-on-one-side-and-unchanged) keys are left out, not set to undefined.
      if (value !== undefined) setOwn(out, key, value);
    }
    return out;
  }

  // Both sides changed the value differently and it cannot be split further: scalars,
  // arrays (atomic: merging by index would invent orderings nobody wrote), type changes,
  // or a delete against a change. Keep local as a placeholder; callers resolve `conflicts`.
  conflicts.push({
    path: [...path],
    base: cloneJson(base),
    local: cloneJson(local),
    remote: cloneJson(remote),
  });
  return cloneJson(local);
}
