import { describe, expect, it } from "vitest";
import { diffThreeWay, isConflictChange, isPlainObject, jsonEqual, setAtPath, threeWayMerge } from "~/lib/merge";
import type { Json } from "~/lib/merge";

/** Deep-freezes so any mutation by the code under test throws (ES modules are strict). */
function frozen<T extends Json | undefined>(value: T): T {
  if (value !== null && typeof value === "object") {
    for (const child of Object.values(value)) frozen(child);
    Object.freeze(value);
  }
  return value;
}

describe("jsonEqual", () => {
  it("ignores object key order but not array order", () => {
    expect(jsonEqual({ a: 1, b: [1, 2] }, { b: [1, 2], a: 1 })).toBe(true);
    expect(jsonEqual([1, 2], [2, 1])).toBe(false);
    expect(jsonEqual({ a: 1 }, { a: 1, b: null })).toBe(false);
  });

  it("tells apart null, absent, empty containers and types", () => {
    expect(jsonEqual(null, undefined)).toBe(false);
    expect(jsonEqual({}, [])).toBe(false);
    expect(jsonEqual({}, undefined)).toBe(false);
    expect(jsonEqual("1", 1)).toBe(false);
    expect(jsonEqual(undefined, undefined)).toBe(true);
  });

  it("treats -0 as 0 and NaN as itself", () => {
    expect(jsonEqual(-0, 0)).toBe(true);
    expect(jsonEqual({ n: [-0] }, { n: [0] })).toBe(true);
    expect(jsonEqual(Number.NaN, Number.NaN)).toBe(true);
  });

  it("reads own keys only", () => {
    expect(jsonEqual({ toString: 1 }, {})).toBe(false);
    expect(jsonEqual({}, { constructor: 1 })).toBe(false);
    expect(jsonEqual(JSON.parse('{"__proto__": 1}') as Json, {})).toBe(false);
  });

  it("recognises plain objects only", () => {
    expect(isPlainObject({})).toBe(true);
    expect(isPlainObject(Object.create(null))).toBe(true);
    expect(isPlainObject([])).toBe(false);
    expect(isPlainObject(null)).toBe(false);
    expect(isPlainObject(new Date())).toBe(false);
  });
});

describe("threeWayMerge", () => {
  const base = { title: "Inbox", color: "blue", settings: { theme: "dark", font: 12 }, tags: ["a"] };

  it("takes a field changed on one side only", () => {
    const local = { ...base, title: "Work" };
    const remote = { ...base, color: "red" };
    expect(threeWayMerge(base, local, remote)).toEqual({
      merged: { ...base, title: "Work", color: "red" },
      conflicts: [],
      clean: true,
    });
    expect(threeWayMerge(base, base, remote).merged).toEqual(remote);
    expect(threeWayMerge(base, local, base).merged).toEqual(local);
  });

  it("agrees when both sides make the same change", () => {
    const local = { ...base, title: "Work", settings: { theme: "light", font: 12 } };
    const remote = { settings: { font: 12, theme: "light" }, tags: ["a"], title: "Work", color: "blue" };
    const result = threeWayMerge(base, local, remote);
    expect(result.clean).toBe(true);
    expect(result.merged).toEqual(local);
  });

  it("reports different changes of one field as a conflict at its path, keeping local", () => {
    const local = { ...base, title: "Work", settings: { theme: "light", font: 12 } };
    const remote = { ...base, color: "red", settings: { theme: "solarized", font: 14 } };
    const result = threeWayMerge(base, local, remote);
    expect(result.clean).toBe(false);
    expect(result.conflicts).toEqual([
      { path: ["settings", "theme"], base: "dark", local: "light", remote: "solarized" },
    ]);
    // Everything else merged; the conflicting field holds the local placeholder.
    expect(result.merged).toEqual({
      title: "Work",
      color: "red",
      settings: { theme: "light", font: 14 },
      tags: ["a"],
    });
  });

  it("reports a top-level scalar conflict at the empty path", () => {
    expect(threeWayMerge(1, 2, 3)).toEqual({
      merged: 2,
      conflicts: [{ path: [], base: 1, local: 2, remote: 3 }],
      clean: false,
    });
  });

  it("merges nested objects at any depth", () => {
    const b = { a: { b: { c: 1, d: 1 }, e: 1 } };
    const l = { a: { b: { c: 2, d: 1 }, e: 1 } };
    const r = { a: { b: { c: 1, d: 3 }, e: 4 } };
    expect(threeWayMerge(b, l, r)).toEqual({
      merged: { a: { b: { c: 2, d: 3 }, e: 4 } },
      conflicts: [],
      clean: true,
    });
    const conflicting = threeWayMerge(b, l, { a: { b: { c: 5, d: 1 }, e: 1 } });
    expect(conflicting.conflicts.map((c) => c.path)).toEqual([["a", "b", "c"]]);
  });

  it("keeps keys added on each side, and one key added equally on both", () => {
    const result = threeWayMerge({ a: 1 }, { a: 1, l: "x", both: true }, { a: 1, r: "y", both: true });
    expect(result).toEqual({ merged: { a: 1, l: "x", both: true, r: "y" }, conflicts: [], clean: true });
  });

  it("conflicts when both sides add the same key with different values", () => {
    const result = threeWayMerge({ a: 1 }, { a: 1, k: "x" }, { a: 1, k: "y" });
    expect(result.conflicts).toEqual([{ path: ["k"], base: undefined, local: "x", remote: "y" }]);
    expect(result.merged).toEqual({ a: 1, k: "x" });
  });

  it("deletes a key deleted on one side and unchanged on the other", () => {
    const fromRemote = threeWayMerge({ a: 1, b: 2 }, { a: 1, b: 2, c: 3 }, { a: 1 });
    expect(fromRemote).toEqual({ merged: { a: 1, c: 3 }, conflicts: [], clean: true });
    expect(fromRemote.merged).not.toHaveProperty("b");
    const fromLocal = threeWayMerge({ a: 1, b: 2 }, { b: 2 }, { a: 1, b: 5 });
    expect(fromLocal).toEqual({ merged: { b: 5 }, conflicts: [], clean: true });
  });

  it("conflicts when one side deletes a key the other changed", () => {
    const localDeleted = threeWayMerge({ a: 1, b: 2 }, { a: 1 }, { a: 1, b: 3 });
    expect(localDeleted.conflicts).toEqual([{ path: ["b"], base: 2, local: undefined, remote: 3 }]);
    // Local placeholder: the key stays deleted until the conflict is resolved.
    expect(localDeleted.merged).toEqual({ a: 1 });

    const remoteDeleted = threeWayMerge({ s: { x: 1 } }, { s: { x: 2 } }, {});
    expect(remoteDeleted.conflicts).toEqual([{ path: ["s"], base: { x: 1 }, local: { x: 2 }, remote: undefined }]);
    expect(remoteDeleted.merged).toEqual({ s: { x: 2 } });
  });

  it("treats arrays as atomic values", () => {
    const result = threeWayMerge({ tags: ["a", "b"] }, { tags: ["a", "b", "c"] }, { tags: ["z", "a", "b"] });
    expect(result.conflicts).toEqual([
      { path: ["tags"], base: ["a", "b"], local: ["a", "b", "c"], remote: ["z", "a", "b"] },
    ]);
    expect(result.merged).toEqual({ tags: ["a", "b", "c"] });
    // Arrays of objects are not merged element-wise either.
    const objects = threeWayMerge([{ a: 1, b: 1 }], [{ a: 2, b: 1 }], [{ a: 1, b: 2 }]);
    expect(objects.conflicts.map((c) => c.path)).toEqual([[]]);
    // One-sided array edits are taken whole.
    expect(threeWayMerge({ t: [1] }, { t: [1] }, { t: [] }).merged).toEqual({ t: [] });
  });

  it("conflicts on type changes, including object against non-object", () => {
    expect(threeWayMerge({ v: 1 }, { v: "1" }, { v: [1] }).conflicts.map((c) => c.path)).toEqual([["v"]]);
    const objectVsScalar = threeWayMerge({ v: { a: 1 } }, { v: { a: 2 } }, { v: "gone" });
    expect(objectVsScalar.conflicts).toEqual([{ path: ["v"], base: { a: 1 }, local: { a: 2 }, remote: "gone" }]);
    // Both sides turned a scalar into objects: the base is not an object, so no key-wise merge.
    expect(threeWayMerge({ v: "x" }, { v: { a: 1 } }, { v: { b: 1 } }).conflicts.map((c) => c.path)).toEqual([
      ["v"],
    ]);
    // null is a value, not "absent".
    expect(threeWayMerge(null, { a: 1 }, { b: 1 }).clean).toBe(false);
  });

  it("merges records created on both sides (absent base) like an empty base", () => {
    expect(threeWayMerge(undefined, { a: 1, s: { x: 1 } }, { b: 2, s: { y: 2 } })).toEqual({
      merged: { a: 1, s: { x: 1, y: 2 }, b: 2 },
      conflicts: [],
      clean: true,
    });
    const clash = threeWayMerge(undefined, { a: 1, k: "x" }, { k: "y" });
    expect(clash.conflicts).toEqual([{ path: ["k"], base: undefined, local: "x", remote: "y" }]);
    expect(clash.merged).toEqual({ a: 1, k: "x" });
    expect(threeWayMerge(undefined, "x", "y").conflicts.map((c) => c.path)).toEqual([[]]);
  });

  it("deletes the whole record when one side deleted it and the other left it alone", () => {
    expect(threeWayMerge(base, undefined, base)).toEqual({ merged: undefined, conflicts: [], clean: true });
    expect(threeWayMerge(base, base, undefined)).toEqual({ merged: undefined, conflicts: [], clean: true });
    expect(threeWayMerge(base, undefined, undefined)).toEqual({ merged: undefined, conflicts: [], clean: true });
    // Deleted on one side, edited on the other: the whole record conflicts.
    const edited = { ...base, title: "Work" };
    expect(threeWayMerge(base, undefined, edited)).toEqual({
      merged: undefined,
      conflicts: [{ path: [], base, local: undefined, remote: edited }],
      clean: false,
    });
    expect(threeWayMerge(base, edited, undefined).merged).toEqual(edited);
  });

  it("handles keys that collide with Object.prototype", () => {
    const b = JSON.parse('{"__proto__": {"x": 1}, "constructor": 1}') as Json;
    const l = JSON.parse('{"__proto__": {"x": 2}, "constructor": 1, "toString": "s"}') as Json;
    const r = JSON.parse('{"__proto__": {"x": 1}}') as Json;
    const { merged, clean } = threeWayMerge(b, l, r);
    expect(clean).toBe(true);
    expect(JSON.stringify(merged)).toBe('{"__proto__":{"x":2},"toString":"s"}');
    expect(Object.getPrototypeOf(merged)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });

  it("normalises -0 to 0 and treats them as equal", () => {
    const result = threeWayMerge({ n: 1 }, { n: -0 }, { n: 0 });
    expect(result.clean).toBe(true);
    expect(Object.is((result.merged as { n: number }).n, 0)).toBe(true);
  });

  it("never mutates its inputs and returns fresh containers", () => {
    const b = frozen({ s: { x: 1 }, list: [1], keep: { deep: { v: 1 } } });
    const l = frozen({ s: { x: 2 }, list: [3], keep: { deep: { v: 1 } }, added: { n: [1] } });
    const r = frozen({ s: { x: 3 }, list: [2], keep: { deep: { v: 1 } } });
    const snapshot = JSON.stringify([b, l, r]);
    const result = threeWayMerge(b, l, r);
    expect(JSON.stringify([b, l, r])).toBe(snapshot);

    const merged = result.merged as { keep: { deep: object }; added: { n: number[] }; list: number[] };
    expect(merged.keep).not.toBe(l.keep);
    expect(merged.keep.deep).not.toBe(l.keep.deep);
    expect(merged.added).not.toBe(l.added);
    expect(merged.added.n).not.toBe(l.added.n);
    expect(merged.list).toEqual([3]);
    expect(merged.list).not.toBe(l.list);
    const conflict = result.conflicts.find((c) => c.path.join() === "list");
    expect(conflict?.remote).toEqual([2]);
    expect(conflict?.remote).not.toBe(r.list);
    // Untouched whole-value shortcut is a copy too.
    expect(threeWayMerge(b, l, b).merged).not.toBe(l);
  });

  it("is deterministic, keeping local key order first", () => {
    const run = () => threeWayMerge({ a: 1 }, { z: 1, a: 1 }, { a: 1, m: 2, b: 3 });
    expect(Object.keys(run().merged as object)).toEqual(["z", "a", "m", "b"]);
    expect(JSON.stringify(run())).toBe(JSON.stringify(run()));
  });
});

describe("diffThreeWay", () => {
  it("classifies each leaf path", () => {
    const b = { same: 1, l: 1, r: 1, both: 1, diff: 1, dl: 1, dr: 1, dd: 1, s: { x: 1 } };
    const l = { same: 1, l: 2, r: 1, both: 3, diff: 4, dr: 1, s: { x: 1 }, added: true };
    const r = { same: 1, l: 1, r: 2, both: 3, diff: 5, dl: 1, s: { x: 1, y: 2 } };
    const kinds = Object.fromEntries(diffThreeWay(b, l, r).map((c) => [c.path.join("."), c.kind]));
    expect(kinds).toEqual({
      same: "unchanged",
      l: "local_only",
      r: "remote_only",
      both: "both_same",
      diff: "both_different",
      dl: "deleted_local",
      dr: "deleted_remote",
      dd: "both_same",
      "s.x": "unchanged",
      "s.y": "remote_only",
      added: "local_only",
    });
  });

  it("marks conflicts exactly where threeWayMerge reports them", () => {
    const b = { a: 1, b: 2, c: { x: 1 }, d: [1] };
    const l = { b: 2, c: { x: 2 }, d: [2] };
    const r = { a: 5, c: "scalar", d: [1] };
    const changes = diffThreeWay(b, l, r);
    expect(changes).toEqual([
      { path: ["b"], kind: "deleted_remote", base: 2, local: 2 },
      { path: ["c"], kind: "both_different", base: { x: 1 }, local: { x: 2 }, remote: "scalar" },
      { path: ["d"], kind: "local_only", base: [1], local: [2], remote: [1] },
      { path: ["a"], kind: "deleted_local", base: 1, remote: 5 },
    ]);
    expect(changes.filter(isConflictChange).map((c) => c.path)).toEqual([["c"], ["a"]]);
    expect(threeWayMerge(b, l, r).conflicts.map((c) => c.path)).toEqual([["c"], ["a"]]);
    // A clean delete is not a conflict.
    expect(isConflictChange(changes[0]!)).toBe(false);
  });

  it("shows a whole-record change as one row, and empty records too", () => {
    expect(diffThreeWay({ a: 1 }, undefined, { a: 1 })).toEqual([
      { path: [], kind: "deleted_local", base: { a: 1 }, remote: { a: 1 } },
    ]);
    expect(diffThreeWay(undefined, {}, {})).toEqual([{ path: [], kind: "both_same", local: {}, remote: {} }]);
    expect(diffThreeWay(undefined, { a: 1 }, { b: 2 })).toEqual([
      { path: ["a"], kind: "local_only", local: 1 },
      { path: ["b"], kind: "remote_only", remote: 2 },
    ]);
  });
});

describe("setAtPath", () => {
  it("replaces, adds and removes nested values without touching the input", () => {
    const input = { a: { b: 1, c: 2 }, d: [1] };
    expect(setAtPath(input, ["a", "b"], 5)).toEqual({ a: { b: 5, c: 2 }, d: [1] });
    expect(setAtPath(input, ["a", "c"], undefined)).toEqual({ a: { b: 1 }, d: [1] });
    expect(setAtPath(input, ["x", "y"], "new")).toEqual({ a: { b: 1, c: 2 }, d: [1], x: { y: "new" } });
    expect(setAtPath(input, [], "whole")).toBe("whole");
    expect(input).toEqual({ a: { b: 1, c: 2 }, d: [1] });
  });
});
