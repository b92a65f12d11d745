import { cloneJson, getOwn, isPlainObject, setOwn, type Json, type JsonObject } from "./json";

/**
 * Returns a copy of `root` with the value at `path` replaced (or removed when
 * `value` is undefined), creating objects along the way. Used to apply a person's
 * field-by-field choices on top of a merge result.
 */
export function setAtPath(root: Json | undefined, path: string[], value: Json | undefined): Json | undefined {
  if (path.length === 0) return cloneJson(value);
  const [key, ...rest] = path as [string, ...string[]];
  const object: JsonObject = isPlainObject(root) ? (cloneJson(root) as JsonObject) : {};
  const next = setAtPath(isPlainObject(root) ? getOwn(root, key) : undefined, rest, value);
  if (next === undefined) delete object[key];
  else setOwn(object, key, next);
  return object;
}
