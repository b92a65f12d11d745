import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { diffThreeWay, isConflictChange, isPlainObject, jsonEqual, threeWayMerge } from "~/lib/merge";
import type { FieldChange, Json, JsonObject, MergeConflict } from "~/lib/merge";

type Value = Json | undefined;
type Triple = [base: Value, local: Value, remote: Value];

const RUNS = { numRuns: 500 };

// ---------------------------------------------------------------------------------------
// Oracles written independently of the code under test (not via jsonEqual / cloneJson).

const own = (obj: JsonObject, key: string): Value => (Object.hasOwn(obj, key) ? obj[key] : undefined);

/** Canonical text: sorted keys, -0 printed as 0 (JSON.stringify does that), absent as ∅. */
function canon(value: Value): string {
  if (value === undefined) return "∅";
  if (Array.isArray(value)) return `[${value.map(canon).join(",")}]`;
  if (typeof value === "object" && value !== null) {
    const keys = Object.keys(value).sort();
    return `{${keys.map((key) => `${JSON.stringify(key)}:${canon(own(value, key))}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

/** The value at `path`, or undefined where the path leaves the objects. */
function at(value: Value, path: string[]): Value {
  let current = value;
  for (const key of path) {
    if (!isPlainObject(current)) return undefined;
    current = own(current, key);
  }
  return current;
}

function deepFreeze(value: Value): void {
  if (value !== null && typeof value === "object") {
    for (const key of Object.keys(value)) deepFreeze((value as Record<string, Json>)[key]);
    Object.freeze(value);
  }
}

function containers(value: unknown, into = new Set<object>()): Set<object> {
  if (value !== null && typeof value === "object") {
    into.add(value);
    for (const key of Object.keys(value)) containers((value as Record<string, unknown>)[key], into);
  }
  return into;
}

const pathsOf = (conflicts: Array<{ path: string[] }>) => conflicts.map((c) => JSON.stringify(c.path)).sort();

// ---------------------------------------------------------------------------------------
// Generators. A small key alphabet (including keys that collide with Object.prototype) so
// that sides overlap often, and x / y derived from b by random edits so most triples share
// structure and exercise real key-by-key merges rather than whole-value conflicts.

const KEYS = ["a", "b", "c", "d", "__proto__", "toString"] as const;

/** Builds objects with defineProperty so that a "__proto__" key is data, as from JSON.parse. */
function objectFrom(entries: Array<readonly [string, Value]>): JsonObject {
  const out: JsonObject = {};
  for (const [key, value] of entries) {
    if (value === undefined) delete out[key];
    else Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
  }
  return out;
}

const scalar: fc.Arbitrary<Json> = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.integer({ min: -2, max: 2 }),
  fc.constant(-0),
  fc.constantFrom("x", "y", ""),
);

const { json, object } = fc.letrec<{ json: Json; object: Json }>((tie) => ({
  json: fc.oneof(
    { maxDepth: 3, depthIdentifier: "json" },
    { arbitrary: scalar, weight: 3 },
    { arbitrary: fc.array(tie("json"), { maxLength: 3 }), weight: 1 },
    { arbitrary: tie("object"), weight: 3 },
  ),
  object: fc
    .uniqueArray(fc.tuple(fc.constantFrom(...KEYS), tie("json")), { selector: ([key]) => key, maxLength: 4 })
    .map(objectFrom),
}));

/** A random edit of `value`: kept, replaced, deleted, or (objects) edited key by key. */
function editOf(value: Value): fc.Arbitrary<Value> {
  const options: Array<fc.WeightedArbitrary<Value>> = [
    { arbitrary: fc.constant(value), weight: 4 },
    { arbitrary: json, weight: 1 },
    { arbitrary: fc.constant(undefined), weight: 1 },
  ];
  if (isPlainObject(value)) {
    const keys = Object.keys(value);
    const edited = fc
      .tuple(
        fc.tuple(...keys.map((key) => editOf(own(value, key)))),
        fc.array(fc.tuple(fc.constantFrom(...KEYS), json), { maxLength: 2 }),
      )
      .map(([values, added]) => objectFrom([...keys.map((key, i) => [key, values[i]] as const), ...added]));
    options.push({ arbitrary: edited, weight: 8 });
  }
  return fc.oneof(...options);
}

const maybe = (arbitrary: fc.Arbitrary<Json>): fc.Arbitrary<Value> =>
  fc.oneof({ arbitrary, weight: 5 }, { arbitrary: fc.constant(undefined), weight: 1 });

const baseValue: fc.Arbitrary<Value> = fc.oneof(
  { arbitrary: object, weight: 5 },
  { arbitrary: json, weight: 1 },
  { arbitrary: fc.constant(undefined), weight: 1 },
);

const edited: fc.Arbitrary<Triple> = baseValue.chain((base) =>
  fc.tuple(fc.constant(base), editOf(base), editOf(base)),
);

// fast-check's own JSON (any keys, -0, deeper strings): unrelated sides, mostly conflicts.
const anyJson = maybe(fc.jsonValue({ maxDepth: 3 }).map((value) => value as Json));
const independent: fc.Arbitrary<Triple> = fc.tuple(anyJson, anyJson, anyJson);

const triple: fc.Arbitrary<Triple> = fc.oneof({ arbitrary: edited, weight: 4 }, { arbitrary: independent, weight: 1 });

// ---------------------------------------------------------------------------------------

describe("threeWayMerge properties", () => {
  it("generates real merges, not only trivial or whole-value cases", () => {
    let nestedClean = 0;
    let nestedConflict = 0;
    const samples = fc.sample(triple, { numRuns: 1000, seed: 1 });
    for (const [b, x, y] of samples) {
      const differ = canon(x) !== canon(y) && canon(x) !== canon(b) && canon(y) !== canon(b);
      const result = threeWayMerge(b, x, y);
      if (differ && result.clean) nestedClean++;
      if (result.conflicts.some((c) => c.path.length > 0)) nestedConflict++;
    }
    expect(nestedClean).toBeGreaterThan(50);
    expect(nestedConflict).toBeGreaterThan(50);
  });

  it("jsonEqual agrees with canonical text (key order free, -0 = 0)", () => {
    fc.assert(
      fc.property(triple, ([b, x, y]) => {
        for (const [p, q] of [[b, x], [x, y], [b, y]] as const) {
          expect(jsonEqual(p, q)).toBe(canon(p) === canon(q));
        }
      }),
      RUNS,
    );
  });

  it("1. merge(b, x, x) = x, clean", () => {
    fc.assert(
      fc.property(baseValue, maybe(json), (b, x) => {
        const result = threeWayMerge(b, x, x);
        expect(result.clean).toBe(true);
        expect(result.conflicts).toEqual([]);
        expect(canon(result.merged)).toBe(canon(x));
      }),
      RUNS,
    );
  });

  it("2. merge(b, b, y) = y, clean", () => {
    fc.assert(
      fc.property(edited, ([b, , y]) => {
        const result = threeWayMerge(b, b, y);
        expect(result.clean).toBe(true);
        expect(canon(result.merged)).toBe(canon(y));
      }),
      RUNS,
    );
  });

  it("3. merge(b, x, b) = x, clean", () => {
    fc.assert(
      fc.property(edited, ([b, x]) => {
        const result = threeWayMerge(b, x, b);
        expect(result.clean).toBe(true);
        expect(canon(result.merged)).toBe(canon(x));
      }),
      RUNS,
    );
  });

  it("4. a clean merge is commutative", () => {
    fc.assert(
      fc.property(triple, ([b, x, y]) => {
        const forward = threeWayMerge(b, x, y);
        const backward = threeWayMerge(b, y, x);
        expect(backward.clean).toBe(forward.clean);
        if (!forward.clean) return;
        expect(canon(backward.merged)).toBe(canon(forward.merged));
        // Stronger than canon: same numbers bit for bit (-0 normalised on both sides).
        expect(backward.merged).toEqual(forward.merged);
      }),
      RUNS,
    );
  });

  it("5. conflict paths do not depend on which side is local", () => {
    fc.assert(
      fc.property(triple, ([b, x, y]) => {
        const forward = threeWayMerge(b, x, y);
        const backward = threeWayMerge(b, y, x);
        expect(pathsOf(backward.conflicts)).toEqual(pathsOf(forward.conflicts));
        // ...and each conflict reports the same values with the sides swapped.
        const key = (c: MergeConflict) => JSON.stringify(c.path);
        const swapped = new Map(backward.conflicts.map((c) => [key(c), c]));
        for (const c of forward.conflicts) {
          const other = swapped.get(key(c));
          expect(canon(other?.base)).toBe(canon(c.base));
          expect(canon(other?.local)).toBe(canon(c.remote));
          expect(canon(other?.remote)).toBe(canon(c.local));
        }
      }),
      RUNS,
    );
  });

  it("6. diffThreeWay marks as conflicts exactly the paths threeWayMerge reports", () => {
    fc.assert(
      fc.property(triple, ([b, x, y]) => {
        const result = threeWayMerge(b, x, y);
        const changes = diffThreeWay(b, x, y);
        const conflicting = changes.filter(isConflictChange);
        expect(pathsOf(conflicting)).toEqual(pathsOf(result.conflicts));
        // The conflict kinds are exactly both_different and delete-vs-change.
        for (const change of conflicting) {
          expect(["both_different", "deleted_local", "deleted_remote"]).toContain(change.kind);
          const reported = result.conflicts.find((c) => canon(c.path) === canon(change.path));
          expect(canon(change.base)).toBe(canon(reported?.base));
          expect(canon(change.local)).toBe(canon(reported?.local));
          expect(canon(change.remote)).toBe(canon(reported?.remote));
        }
      }),
      RUNS,
    );
  });

  it("6b. every diff row agrees with the sides and with the merged value at its path", () => {
    fc.assert(
      fc.property(triple, ([b, x, y]) => {
        const { merged } = threeWayMerge(b, x, y);
        const changes = diffThreeWay(b, x, y);
        expect(changes.length).toBeGreaterThan(0);
        const paths = changes.map((c) => c.path);
        for (const change of changes) {
          // Rows are leaves: no row's path is a prefix of another's.
          const prefixOfOther = paths.some(
            (p) => p !== change.path && p.length >= change.path.length && change.path.every((k, i) => p[i] === k),
          );
          expect(prefixOfOther).toBe(false);
          // Row values are the sides' values at that path (absent ones omitted).
          expect(canon(change.base)).toBe(canon(at(b, change.path)));
          expect(canon(change.local)).toBe(canon(at(x, change.path)));
          expect(canon(change.remote)).toBe(canon(at(y, change.path)));
          expect("local" in change).toBe(change.local !== undefined);
          // Merged holds the side the kind says wins (local for conflicts: the placeholder).
          const takesRemote = change.kind === "remote_only" || (change.kind === "deleted_remote" && !isConflictChange(change));
          expect(canon(at(merged, change.path))).toBe(canon(takesRemote ? change.remote : change.local));
          expectKindMatches(change);
        }
      }),
      RUNS,
    );
  });

  it("never mutates inputs and shares no containers with them", () => {
    fc.assert(
      fc.property(triple, ([b, x, y]) => {
        const before = [canon(b), canon(x), canon(y)];
        for (const value of [b, x, y]) deepFreeze(value); // a mutation would throw
        const result = threeWayMerge(b, x, y);
        const changes = diffThreeWay(b, x, y);
        expect([canon(b), canon(x), canon(y)]).toEqual(before);
        const inputs = containers([b, x, y]);
        for (const out of containers([result.merged, result.conflicts, changes])) {
          expect(inputs.has(out)).toBe(false);
        }
      }),
      RUNS,
    );
  });

  it("is deterministic", () => {
    fc.assert(
      fc.property(triple, ([b, x, y]) => {
        expect(JSON.stringify(threeWayMerge(b, x, y))).toBe(JSON.stringify(threeWayMerge(b, x, y)));
      }),
      RUNS,
    );
  });
});

/** The kind's definition (see FieldChangeKind), checked against the row's own values. */
function expectKindMatches(change: FieldChange): void {
  const { base, local, remote } = change;
  const same = (p: Value, q: Value) => canon(p) === canon(q);
  switch (change.kind) {
    case "unchanged":
      expect(same(local, base) && same(remote, base)).toBe(true);
      break;
    case "both_same":
      expect(same(local, remote) && !same(local, base)).toBe(true);
      break;
    case "local_only":
      expect(same(remote, base) && !same(local, base) && local !== undefined).toBe(true);
      break;
    case "remote_only":
      expect(same(local, base) && !same(remote, base) && remote !== undefined).toBe(true);
      break;
    case "deleted_local":
      expect(local === undefined && base !== undefined && !same(remote, undefined)).toBe(true);
      break;
    case "deleted_remote":
      expect(remote === undefined && base !== undefined && !same(local, undefined)).toBe(true);
      break;
    case "both_different":
      expect(local !== undefined && remote !== undefined).toBe(true);
      expect(same(local, remote) || same(local, base) || same(remote, base)).toBe(false);
      break;
  }
}
