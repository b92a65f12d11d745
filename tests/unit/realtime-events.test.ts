import { describe, expect, it } from "vitest";
import type { z } from "zod";
import { parseRealtimeEvent, realtimeEventNames, realtimeEvents, summarize, type RealtimeEventName, type RealtimePayload } from "~/lib/realtime/events";
import { PUSHER_MAX_EVENT_BYTES } from "~/server/realtime/pusher";

/** One valid payload per event; typed, so a new event cannot be added without one. */
const examples: { [E in RealtimeEventName]: RealtimePayload<E> } = {
  "sync:changed": { cursor: 12, changes: 2, sourceDeviceId: "5b0c1a4e-0000-4000-8000-000000000001" },
  "sync:conflict": { conflictIds: ["5b0c1a4e-0000-4000-8000-00000000000c"], count: 1, sourceDeviceId: null },
  "sync:conflict_resolved": { conflictId: "5b0c1a4e-0000-4000-8000-00000000000c", strategy: "merge", revision: 3 },
  "commit:new": {
    provider: "github",
    repository: "octo-org/octo-repo",
    sha: "6dcb09b5b57875f334f61aebed695e2e4193db5e",
    message: "Fix all the bugs",
    url: "https://github.com/octo-org/octo-repo/commit/6dcb09b5b57875f334f61aebed695e2e4193db5e",
    committedAt: "2026-03-01T10:15:00+01:00",
  },
  "calendar:event_updated": { provider: "google", eventId: "evt_1", calendarId: "primary", change: "updated", start: "2026-03-02", end: "2026-03-03T09:30:00Z" },
  "calendar:conflict_detected": { count: 2, start: "2026-03-02T09:00:00Z", focusBlock: true },
  "status:updated": { text: "In focus mode", emoji: ":dart:", activity: "focus", source: "heartbeat", expiresAt: "2026-12-05T15:30:00.000Z", heldByUser: ["slack"] },
  "integration:connected": { provider: "gitlab", account: "octocat" },
  "integration:disconnected": { provider: "github" },
  "integration:error": { provider: "slack", message: "Slack refused the token: connect Slack again.", status: "needs_reauth" },
  "notification:new": { id: "n1", title: "Weekly report ready", body: "Open it to see your week.", level: "info", href: "/dashboard" },
  "privacy:export_ready": { exportId: "6f1c3b9e-8d2a-4c5e-9f3b-2a1d4e5f6a7b", format: "csv", bytes: 48_213 },
  "device:changed": { deviceId: "5b0c1a4e-0000-4000-8000-000000000001", change: "added" },
  "device:authorization_decided": { requestId: "5b0c1a4e-0000-4000-8000-0000000000a1", status: "denied" },
  "job:run_updated": { runId: "01HZX3J8K9M2N4P6Q8R0S2T4V6" },
  "webhook:delivery_updated": { endpointId: "5b0c1a4e-0000-4000-8000-0000000000e1", deliveryId: "5b0c1a4e-0000-4000-8000-0000000000d1", status: "delivered" },
  "webhook:endpoint_disabled": { endpointId: "5b0c1a4e-0000-4000-8000-0000000000e1", reason: "gone" },
  "notification:unread": { unread: 3 },
};

type Node = z.core.$ZodType & { def: Record<string, unknown> & { type: string; checks?: Array<{ _zod: { def: { check: string; maximum?: number } } }> } };

function maxLengthOf(schema: Node): number | undefined {
  const maxima = (schema.def.checks ?? []).map((c) => c._zod.def).filter((d) => d.check === "max_length").map((d) => d.maximum!);
  return maxima.length ? Math.min(...maxima) : undefined;
}

/** Every JSON number fits in this many characters (a negative subnormal with 17 digits and a 3-digit exponent). */
const LONGEST_JSON_NUMBER = JSON.stringify(-2.2250738585072014e-308).length;
/** The most UTF-8 bytes JSON spends on one UTF-16 code unit (a control character escaped as \u00XX). */
const WORST_BYTES_PER_CHAR = JSON.stringify("\u0001").length - 2;
/** String formats whose alphabet is plain ASCII that JSON never escapes: one byte per character. */
const ASCII_FORMATS = new Set(["uuid", "hex", "datetime", "date"]);
const jsonBytes = (value: unknown) => new TextEncoder().encode(JSON.stringify(value)).length;

/**
 * An upper bound on the UTF-8 size of any value `schema` accepts, serialised as
 * JSON, computed from the schema's own bounds. Throws on an unbounded string or array.
 */
function worstCaseJsonBytes(schema: Node, path = "payload"): number {
  const def = schema.def;
  switch (def.type) {
    case "object": {
      const shape = def.shape as Record<string, Node>;
      const entries = Object.entries(shape).map(([key, value]) => jsonBytes(key) + 1 + worstCaseJsonBytes(value, `${path}.${key}`));
      return 2 + entries.reduce((sum, n) => sum + n, 0) + Math.max(0, entries.length - 1);
    }
    case "string": {
      const max = maxLengthOf(schema);
      if (max === undefined) throw new Error(`${path} is a string without a maximum length`);
      return 2 + max * (ASCII_FORMATS.has(def.format as string) ? 1 : WORST_BYTES_PER_CHAR);
    }
    case "array": {
      const max = maxLengthOf(schema);
      if (max === undefined) throw new Error(`${path} is an array without a maximum size`);
      return 2 + max * worstCaseJsonBytes(def.element as Node, `${path}[]`) + Math.max(0, max - 1);
    }
    case "enum":
      return Math.max(...Object.values(def.entries as Record<string, string>).map(jsonBytes));
    case "literal":
      return Math.max(...(def.values as unknown[]).map(jsonBytes));
    case "number":
      return LONGEST_JSON_NUMBER;
    case "boolean":
      return jsonBytes(false);
    case "nullable":
      return Math.max(jsonBytes(null), worstCaseJsonBytes(def.innerType as Node, path));
    case "optional":
      return worstCaseJsonBytes(def.innerType as Node, path);
    case "union":
      return Math.max(...(def.options as Node[]).map((option) => worstCaseJsonBytes(option, path)));
    default:
      throw new Error(`${path}: no size rule for zod type "${def.type}"`);
  }
}

const schemaOf = (event: RealtimeEventName) => realtimeEvents[event] as unknown as Node & { shape: Record<string, Node> };

describe("the realtime event catalog", () => {
  it.each(realtimeEventNames)("%s: the largest payload its schema accepts fits in one Pusher event", (event) => {
    const bound = worstCaseJsonBytes(schemaOf(event));
    expect(bound).toBeGreaterThanOrEqual(jsonBytes(examples[event])); // the bound is a bound
    expect(bound).toBeLessThanOrEqual(PUSHER_MAX_EVENT_BYTES);
  });

  it("the size bound is reached by real payloads (escaped control characters at every maximum length)", () => {
    const schema = schemaOf("notification:new");
    const longest = (field: string) => "\u0001".repeat(maxLengthOf(schema.shape[field]!)!);
    const payload = { ...examples["notification:new"], id: longest("id"), title: longest("title"), body: longest("body") };
    expect(realtimeEvents["notification:new"].safeParse(payload).success).toBe(true);
    expect(jsonBytes(payload)).toBeLessThanOrEqual(worstCaseJsonBytes(schema));
    expect(jsonBytes(payload)).toBeGreaterThan(WORST_BYTES_PER_CHAR * (payload.title.length + payload.body.length));
  });

  it.each(realtimeEventNames)("%s: accepts its example and refuses unknown fields", (event) => {
    expect(realtimeEvents[event].safeParse(examples[event]).success).toBe(true);
    expect(realtimeEvents[event].safeParse({ ...examples[event], accessToken: "ghp_secret" }).success).toBe(false);
  });

  it.each(realtimeEventNames)("%s: refuses every string and array one past its maximum", (event) => {
    const schema = schemaOf(event);
    let checked = 0;
    for (const [field, fieldSchema] of Object.entries(schema.shape)) {
      const inner = (["optional", "nullable"].includes(fieldSchema.def.type) ? fieldSchema.def.innerType : fieldSchema) as Node;
      const max = maxLengthOf(inner);
      if (max === undefined) continue;
      // an array of valid items, one too many; a string one character too long
      const item = inner.def.type === "array" ? ((examples[event] as Record<string, unknown>)[field] as unknown[])[0] : undefined;
      const oversize = inner.def.type === "array" ? Array.from({ length: max + 1 }, () => item) : "a".repeat(max + 1);
      expect(realtimeEvents[event].safeParse({ ...examples[event], [field]: oversize }).success, `${event}.${field}`).toBe(false);
      checked++;
    }
    const boundedFields = Object.values(schema.shape).filter((s) => ["string", "array"].includes(((s.def.innerType as Node | undefined) ?? s).def.type));
    expect(checked).toBe(boundedFields.length);
  });

  it("keeps links and ids to safe shapes", () => {
    const notification = examples["notification:new"];
    for (const href of ["https://evil.example/", "//evil.example/", "javascript:alert(1)", "/\\evil.example"]) {
      expect(realtimeEvents["notification:new"].safeParse({ ...notification, href }).success, href).toBe(false);
    }
    expect(realtimeEvents["commit:new"].safeParse({ ...examples["commit:new"], url: "javascript:alert(1)" }).success).toBe(false);
    expect(realtimeEvents["commit:new"].safeParse({ ...examples["commit:new"], sha: "not-a-sha" }).success).toBe(false);
    expect(realtimeEvents["status:updated"].safeParse({ ...examples["status:updated"], expiresAt: "tomorrow" }).success).toBe(false);
  });
});

describe("parseRealtimeEvent (the receiving side)", () => {
  it("returns valid events, drops unknown names and invalid payloads", () => {
    expect(parseRealtimeEvent("commit:new", examples["commit:new"])).toEqual({ event: "commit:new", payload: examples["commit:new"] });
    expect(parseRealtimeEvent("evil:event", { any: "thing" })).toBeUndefined();
    expect(parseRealtimeEvent("toString", {})).toBeUndefined();
    expect(parseRealtimeEvent("sync:changed", { cursor: -1, changes: 1, sourceDeviceId: null })).toBeUndefined();
    expect(parseRealtimeEvent("notification:new", { ...examples["notification:new"], title: "x".repeat(121) })).toBeUndefined();
  });

  it("drops fields it does not know instead of the whole event (a newer server may add some)", () => {
    expect(parseRealtimeEvent("sync:changed", { ...examples["sync:changed"], addedLater: 1 })).toEqual({ event: "sync:changed", payload: examples["sync:changed"] });
  });
});

describe("summarize", () => {
  it("keeps the first line and cuts it to the limit with an ellipsis, never through an emoji", () => {
    expect(summarize("Fix the bug\n\nLong description", 200)).toBe("Fix the bug");
    expect(summarize("x".repeat(250), 200)).toHaveLength(200);
    expect(summarize("x".repeat(250), 200).endsWith("…")).toBe(true);
    const cut = summarize(`${"x".repeat(8)}😀😀`, 10);
    expect(cut).toBe(`${"x".repeat(8)}…`);
    expect(realtimeEvents["commit:new"].safeParse({ ...examples["commit:new"], message: summarize("y".repeat(1000), 200) }).success).toBe(true);
  });
});
