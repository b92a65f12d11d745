import fc from "fast-check";

/**
 * fast-check arbitraries from zod 4 schemas: values shaped like what a schema accepts (the right
 * keys, types, formats and enum members, lengths around the bounds) and, mixed in at any depth,
 * values it must refuse (hostile ones included). Written here because the schema-to-arbitrary
 * bridges (zod-fast-check and its forks) support zod 3 only; this walks zod 4's public `_zod.def`.
 */

type Def = { type: string; [key: string]: unknown };
const defOf = (schema: unknown): Def | undefined => (schema as { _zod?: { def?: Def } } | undefined)?._zod?.def;

/** Values no input should make the server fail on. */
export const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(null, undefined, true, 0, -1, -0, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, new Date(Number.NaN), BigInt(2) ** BigInt(70), 2 ** 31, 2 ** 53 + 2, 1e308, 0.1, "", " ", "\u0000", "\ud800", "💥".repeat(3), "__proto__", "constructor", "../../etc/passwd", "' or 1=1 --", "<script>alert(1)</script>", "9".repeat(400)),
  fc.constant(JSON.parse('{"__proto__": {"polluted": true}, "constructor": {"prototype": {"polluted": true}}}') as unknown),
  fc.integer({ min: 1_000, max: 300_000 }).map((length) => "x".repeat(length)),
  fc.integer({ min: 100, max: 800 }).map((depth) => nested(depth)),
  fc.array(fc.constant({}), { minLength: 1_000, maxLength: 5_000 }),
  fc.anything({ maxDepth: 3 }),
);

function nested(depth: number): unknown {
  let value: unknown = [];
  for (let level = 0; level < depth; level += 1) value = level % 2 ? [value] : { a: value };
  return value;
}

/** Mostly what `schema` describes; now and then (1 in `hostility`) anything else in its place. */
export function arbitraryOf(schema: unknown, hostility = 12, depth = 0): fc.Arbitrary<unknown> {
  const shaped = shapedLike(schema, hostility, depth);
  return fc.oneof({ weight: hostility - 1, arbitrary: shaped }, { weight: 1, arbitrary: hostileValue });
}

function shapedLike(schema: unknown, hostility: number, depth: number): fc.Arbitrary<unknown> {
  const def = defOf(schema);
  if (!def || depth > 8) return fc.anything({ maxDepth: 2 });
  const inner = (child: unknown) => arbitraryOf(child, hostility, depth + 1);
  switch (def.type) {
    case "string":
      return stringLike(def);
    case "number":
    case "int":
      return fc.oneof(fc.integer({ min: -5, max: 200 }), fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }));
    case "bigint":
      return fc.bigInt();
    case "boolean":
      return fc.boolean();
    case "date":
      return fc.date({ min: new Date("1900-01-01"), max: new Date("2200-01-01"), noInvalidDate: true });
    case "null":
      return fc.constant(null);
    case "undefined":
    case "void":
      return fc.constant(undefined);
    case "literal":
      return fc.constantFrom(...(def.values as unknown[]));
    case "enum":
      return fc.constantFrom(...Object.values(def.entries as Record<string, unknown>));
    case "optional":
      return fc.option(inner(def.innerType), { nil: undefined });
    case "nullable":
      return fc.option(inner(def.innerType), { nil: null });
    case "default":
    case "prefault":
    case "readonly":
    case "catch":
    case "nonoptional":
      return fc.option(inner(def.innerType), { nil: undefined });
    case "pipe":
      return inner(def.in);
    case "lazy":
      return inner((def.getter as () => unknown)());
    case "array":
      return fc.array(inner(def.element), { maxLength: 6 });
    case "tuple":
      return fc.tuple(...(def.items as unknown[]).map(inner));
    case "set":
      return fc.array(inner(def.valueType), { maxLength: 4 });
    case "record":
    case "map":
      return fc.dictionary(fc.string({ maxLength: 12 }), inner(def.valueType), { maxKeys: 4 });
    case "union":
      return fc.oneof(...(def.options as unknown[]).map(inner));
    case "intersection":
      return fc.tuple(inner(def.left), inner(def.right)).map(([left, right]) => (isObject(left) && isObject(right) ? { ...left, ...right } : left));
    case "object": {
      const shape = def.shape as Record<string, unknown>;
      const keys = Object.keys(shape);
      return fc.record(Object.fromEntries(keys.map((key) => [key, inner(shape[key])])), { requiredKeys: keys.filter((key) => !isOptional(shape[key])) });
    }
    default:
      return fc.anything({ maxDepth: 2 });
  }
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);
const isOptional = (schema: unknown) => ["optional", "default", "prefault"].includes(defOf(schema)?.type ?? "");

/** Strings of the schema's format when it names one, of lengths around its bounds otherwise. */
function stringLike(def: Def): fc.Arbitrary<string> {
  const checks = ((def.checks as Array<{ _zod?: { def?: Def } }> | undefined) ?? []).map((check) => check._zod?.def).filter((check): check is Def => Boolean(check));
  const format = (def.format as string | undefined) ?? checks.find((check) => check.check === "string_format")?.format;
  switch (format) {
    case "uuid":
    case "guid":
      return fc.uuid();
    case "email":
      return fc.emailAddress();
    case "url":
      return fc.webUrl();
    case "datetime":
      return fc.date({ min: new Date("2000-01-01"), max: new Date("2100-01-01"), noInvalidDate: true }).map((date) => date.toISOString());
    default: {
      const max = checks.find((check) => check.check === "max_length")?.maximum as number | undefined;
      return fc.oneof(fc.string({ maxLength: 40 }), fc.stringMatching(/^[a-z0-9._:@-]{1,20}$/), fc.string({ unit: "binary", maxLength: 20 }), max ? fc.string({ minLength: max, maxLength: max + 1 }) : fc.string({ maxLength: 2 }));
    }
  }
}
