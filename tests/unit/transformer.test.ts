import fc from "fast-check";
import superjson from "superjson";
import { describe, expect, it } from "vitest";
import { transformer } from "~/lib/transformer";

const overTheWire = (value: unknown) => transformer.deserialize(JSON.parse(JSON.stringify(transformer.serialize(value))));

describe("the tRPC transformer", () => {
  it("sends exactly what superjson sends, for plain JSON and for everything else", () => {
    const special = fc.oneof(fc.date({ noInvalidDate: true }), fc.bigInt(), fc.constant(undefined), fc.constant(Number.NaN), fc.constant(-0), fc.constant(Infinity));
    const value = fc.letrec((tie) => ({
      node: fc.oneof({ depthSize: "small" }, fc.jsonValue(), special, fc.array(tie("node"), { maxLength: 4 }), fc.dictionary(fc.string(), tie("node"), { maxKeys: 4 })),
    })).node;
    fc.assert(
      fc.property(value, (input) => {
        let expected: ReturnType<typeof superjson.serialize>;
        try {
          expected = superjson.serialize(input);
        } catch (refusal) {
          // e.g. a `__proto__` key: superjson refuses it, and so must the fast path.
          expect(() => transformer.serialize(input)).toThrow((refusal as Error).message);
          return;
        }
        expect(transformer.serialize(input)).toEqual(expected);
        expect(overTheWire(input)).toEqual(input);
      }),
      { numRuns: 500 },
    );
  });

  it("keeps Dates, Maps and undefined fields inside an otherwise plain payload", () => {
    const payload = { since: new Date("2026-11-23T09:00:00Z"), tags: new Map([["a", 1]]), changes: [{ id: "r1", note: undefined }] };
    const received = overTheWire(payload) as typeof payload;
    expect(received.since).toBeInstanceOf(Date);
    expect(received.since.toISOString()).toBe("2026-11-23T09:00:00.000Z");
    expect(received.tags).toEqual(new Map([["a", 1]]));
    expect(Object.keys(received.changes[0]!)).toEqual(["id", "note"]);
  });

  it("leaves shared and cyclic objects to superjson", () => {
    const shared = { id: "r1" };
    const twice = { a: shared, b: [shared] };
    expect(transformer.serialize(twice)).toEqual(superjson.serialize(twice));
    expect(transformer.serialize(twice)).toHaveProperty("meta");
    const cyclic: Record<string, unknown> = { id: "c" };
    cyclic.self = cyclic;
    expect(transformer.serialize(cyclic)).toEqual(superjson.serialize(cyclic));
  });

  it("refuses prototype-polluting keys as superjson does, even in plain JSON", () => {
    for (const key of ["__proto__", "constructor", "prototype"]) {
      const payload = JSON.parse(`{"changes":[{"${key}":{"admin":true}}]}`) as unknown;
      expect(() => transformer.serialize(payload)).toThrow(`Detected property ${key}`);
    }
  });

  it("takes the fast path for plain sync payloads: no superjson metadata", () => {
    const push = { idempotencyKey: "k", deviceId: "d", changes: [{ collection: "projects", id: "p1", baseRevision: null, ciphertext: "v1.abc", checksum: "00", schemaVersion: 1, deleted: false }] };
    expect(transformer.serialize(push)).toStrictEqual({ json: push });
  });

  it("reads a received payload where it lies, without copying it first, and still refuses a polluting annotation", () => {
    type Wire = Parameters<typeof transformer.deserialize>[0];
    const received = (value: unknown) => JSON.parse(JSON.stringify(transformer.serialize(value))) as Wire;
    const page = received({ changes: [{ id: "r1", seq: 1 }], hasMore: false });
    expect(transformer.deserialize(page)).toBe(page.json);
    expect(transformer.deserialize<{ at: Date }>(received({ at: new Date("2026-12-06T08:00:00Z") })).at).toEqual(new Date("2026-12-06T08:00:00Z"));
    const hostile = JSON.parse('{"json":{"a":"2026-12-06T08:00:00Z"},"meta":{"values":{"__proto__.polluted":["Date"]},"v":1}}') as Wire;
    expect(() => transformer.deserialize(hostile)).toThrow("__proto__ is not allowed as a property");
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
