import { describe, expect, it } from "vitest";
import { z } from "zod";
import { ZStrictBoolean } from "~/lib/schemas/primitives";
import { appRouter } from "~/server/api/root";

/**
 * trpc-to-openapi turns on zod's coercion, in place, for the number, boolean, bigint and date
 * fields of every input it serves (query strings arrive as text), walking into nested objects and
 * through arrays, optionals, nullables and defaults. The schemas are the ones tRPC uses too. A
 * coerced boolean reads the string "false" as true, so no boolean the REST API takes may be a
 * plain `z.boolean()`: ZStrictBoolean (a union of literals) is left alone.
 */

type Schema = z.core.$ZodType;
const kind = (schema: Schema) => schema._zod.def.type;

/** The adapter's unwrapping of a field (utils/zod.ts, unwrapZodType without preprocess). */
function unwrap(schema: Schema): Schema {
  const def = schema._zod.def as { type: string; element?: Schema; innerType?: Schema; getter?: () => Schema };
  if (def.type === "array") return unwrap(def.element!);
  if (["nullable", "optional", "default", "prefault"].includes(def.type)) return unwrap(def.innerType!);
  if (def.type === "lazy") return unwrap(def.getter!());
  return schema;
}

/** The input's top-level object, as the adapter finds it before coercing (pipes read by their input side). */
function inputObject(schema: Schema): Schema {
  const def = schema._zod.def as { type: string; in?: Schema; out?: Schema };
  if (def.type === "pipe") return inputObject(kind(def.out!) === "transform" ? def.in! : def.out!);
  const unwrapped = unwrap(schema);
  return unwrapped === schema ? schema : inputObject(unwrapped);
}

/** Where the adapter's coercion (utils/zod.ts, coerceSchema) would reach a plain boolean. */
function coercedBooleans(object: Schema, path: string): string[] {
  const shape = (object._zod.def as unknown as { shape: Record<string, Schema> }).shape;
  return Object.entries(shape).flatMap(([key, field]) => {
    const inner = unwrap(field);
    if (kind(inner) === "boolean") return [`${path}.${key}`];
    return kind(inner) === "object" ? coercedBooleans(inner, `${path}.${key}`) : [];
  });
}

type RestProcedure = { path: string; input: Schema | undefined };

function restProcedures(): RestProcedure[] {
  // At run time, every procedure by its full dotted path.
  const procedures = appRouter._def.procedures as unknown as Record<string, { _def: { meta?: { openapi?: unknown }; inputs: Schema[] } }>;
  return Object.entries(procedures)
    .filter(([, procedure]) => procedure._def.meta?.openapi)
    .map(([path, procedure]) => ({ path, input: procedure._def.inputs[0] }));
}

function restBooleans(): string[] {
  return restProcedures().flatMap(({ path, input }) => {
    const object = input && inputObject(input);
    return object && kind(object) === "object" ? coercedBooleans(object, path) : [];
  });
}

describe("the REST API's inputs", () => {
  it("take no boolean the adapter would coerce (\"false\" read as true)", () => {
    expect(restProcedures().length).toBeGreaterThan(10);
    expect(restBooleans()).toEqual([]);
  });

  it("would be caught: a plain boolean, nested in an array of objects, is found; ZStrictBoolean is not", () => {
    const nested = z.object({ changes: z.array(z.object({ deleted: z.boolean().default(false) })).optional(), consent: ZStrictBoolean.optional() });
    expect(coercedBooleans(inputObject(nested.default({})), "example")).toEqual(["example.changes.deleted"]);
  });
});
