import superjson from "superjson";

/**
 * Whether JSON carries `value` unchanged: no Date, Map, BigInt, undefined, NaN or -0, only plain
 * objects, no object twice (superjson records shared references; a cycle would never end), and no key
 * superjson refuses.
 */
function isPlainJson(value: unknown, seen = new Set<object>()): boolean {
  switch (typeof value) {
    case "string":
    case "boolean":
      return true;
    case "number":
      return Number.isFinite(value) && !Object.is(value, -0);
    case "object": {
      if (value === null) return true;
      if (seen.has(value)) return false;
      seen.add(value);
      if (Array.isArray(value)) {
        for (const item of value) if (!isPlainJson(item, seen)) return false;
        return true;
      }
      const prototype: unknown = Object.getPrototypeOf(value);
      if (prototype !== Object.prototype && prototype !== null) return false;
      for (const key in value) {
        // superjson refuses these keys (prototype pollution); leave them to it so both paths refuse alike.
        if (key === "__proto__" || key === "constructor" || key === "prototype") return false;
        if (!isPlainJson((value as Record<string, unknown>)[key], seen)) return false;
      }
      return true;
    }
    default:
      return false;
  }
}

/**
 * The tRPC transformer of the server, the web app and the SDK: superjson's wire
 * format, with a fast path for the payloads sync moves (hundreds of records of
 * plain strings and numbers): when the value is plain JSON it is sent as
 * `{ json }` — exactly what superjson would send — without superjson's
 * per-node walk, which cost 3 ms per 500-record push and 7 ms per 1,000-record
 * pull page (bench/PROFILE.md). Any other value goes through superjson.
 */
export const transformer = {
  serialize: (value: unknown) => (isPlainJson(value) ? { json: value } : superjson.serialize(value)),
  // tRPC hands the transformer JSON it has just parsed, which nothing else holds: superjson may
  // annotate it in place instead of deep-copying it first (a 1,000-record pull page is copied node by node otherwise).
  deserialize: <T = unknown>(payload: Parameters<typeof superjson.deserialize>[0]): T => superjson.deserialize<T>(payload, { inPlace: true }),
};
