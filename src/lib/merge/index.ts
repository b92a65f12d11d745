/** Isomorphic three-way JSON merge: shared by the sync client and the web conflict page. */
export { cloneJson, isPlainObject, jsonEqual } from "./json";
export type { Json, JsonObject } from "./json";
export { mergesKeyByKey, threeWayMerge } from "./three-way";
export type { MergeConflict, MergeResult } from "./three-way";
export { diffThreeWay, isConflictChange } from "./diff";
export { setAtPath } from "./path";
export type { FieldChange, FieldChangeKind } from "./diff";
