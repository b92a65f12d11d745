/**
 * JSON values and the few helpers the merge needs. Pure and isomorphic: no Node, DOM or
 * library APIs, so the sync client (Node/Electron) and the web conflict page agree exactly.
 */

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

/**
 * A JSON object (not an array, not null, not a Date/Map/class instance).
 *
 * Prototype check rather than `instanceof Object` / `=== Object.prototype`: objects that
 * cross a realm (iframe, Electron preload / vm context) have another realm's
 * `Object.prototype`, and `Object.create(null)` objects are fine JSON objects too.
 */
export function isPlainObject(value: unknown): value is JsonObject {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === null || Object.getPrototypeOf(proto) === null;
}

/**
 * Own property only. `obj[key]` alone would answer `Object.prototype.toString` for the key
 * "toString" or the prototype for "__proto__", and user data may well use such keys.
 * A key holding `undefined` (possible from JS callers, never from JSON.parse) counts as
 * absent, the same as JSON.stringify would send it.
 */
export function getOwn(obj: JsonObject, key: string): Json | undefined {
  return Object.hasOwn(obj, key) ? obj[key] : undefined;
}

/** Own keys whose value is present (see getOwn for why `undefined` values are skipped). */
export function presentKeys(obj: JsonObject): string[] {
  return Object.keys(obj).filter((key) => getOwn(obj, key) !== undefined);
}

/**
 * Sets an own, enumerable property. Plain assignment with the key "__proto__" would
 * change the object's prototype instead of storing data (prototype pollution of the
 * result, and the key silently lost), so define it.
 */
export function setOwn(obj: JsonObject, key: string, value: Json): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

/**
 * Deep structural equality of JSON values, `undefined` meaning "absent".
 *
 * - Object key order is irrelevant; array order matters.
 * - `-0` equals `0`: JSON cannot tell them apart (`JSON.stringify(-0) === "0"`), so a value
 *   round-tripped through the wire must compare equal to the original.
 * - `NaN` equals `NaN` (not JSON, but the type admits it): keeps this an equivalence
 *   relation, which the merge's "unchanged?" tests rely on (merge(b, x, x) must be clean).
 */
export function jsonEqual(a: Json | undefined, b: Json | undefined): boolean {
  if (a === b) return true; // also 0 === -0
  if (typeof a === "number" && typeof b === "number") return Number.isNaN(a) && Number.isNaN(b);
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!jsonEqual(a[i], b[i])) return false;
    return true;
  }
  if (isPlainObject(a)) {
    if (!isPlainObject(b)) return false;
    const keys = presentKeys(a);
    if (keys.length !== presentKeys(b).length) return false;
    return keys.every((key) => jsonEqual(getOwn(a, key), getOwn(b, key)));
  }
  return false;
}

/**
 * A deep copy with fresh arrays and objects, so results never alias caller data.
 * `-0` becomes `0` (what JSON would carry anyway), which keeps results canonical:
 * merge(b, x, y) and merge(b, y, x) then produce identical values, not just jsonEqual ones.
 */
export function cloneJson(value: Json): Json;
export function cloneJson(value: Json | undefined): Json | undefined;
export function cloneJson(value: Json | undefined): Json | undefined {
  if (typeof value === "number") return value === 0 ? 0 : value;
  if (Array.isArray(value)) return value.map((item) => cloneJson(item));
  if (isPlainObject(value)) {
    const out: JsonObject = {};
    for (const key of presentKeys(value)) setOwn(out, key, cloneJson(getOwn(value, key)) as Json);
    return out;
  }
  return value;
}

/**
 * Present keys of several objects, each once, in first-seen order. Callers pass local
 * first so a merged record keeps the local key layout, then remote, then base; the order
 * only depends on the inputs, so results are deterministic.
 */
export function unionKeys(...objects: JsonObject[]): string[] {
  const seen = new Set<string>();
  for (const obj of objects) for (const key of presentKeys(obj)) seen.add(key);
  return [...seen];
}
