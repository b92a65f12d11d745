import { describe, expect, it } from "vitest";
import type { ChatStatusContent } from "~/server/integrations/provider";
import { guardOwnMessage, guardUserStatus, type GuardInput } from "~/server/status/targets";

// The status stack's decisions, case by case (src/server/status/targets.ts explains the rule).
const now = new Date("2026-12-05T15:00:00Z");
const later = new Date(now.getTime() + 3_600_000);
const earlier = new Date(now.getTime() - 60_000);
const status = (text: string, emoji = ":x:", expiresAt: Date | null = null): ChatStatusContent => ({ text, emoji, expiresAt });
const coding = status("Coding", ":computer:");
const focus = status("In focus mode", ":dart:", later);
const vacation = status("On vacation", ":palm_tree:");
const lunch = status("Lunch", ":sandwich:");
const guard = (input: Partial<GuardInput>) => guardUserStatus({ current: null, written: null, previous: null, fresh: false, desired: null, now, ...input });

describe("the status stack (a provider where the user has a status of their own)", () => {
  it("covers the status from before DevPulse at the first write, and keeps it underneath", () => {
    expect(guard({ fresh: true, current: vacation, desired: coding })).toEqual({ kind: "ours", write: coding, written: coding, previous: vacation });
  });

  it("leaves the status from before DevPulse alone while there is nothing to show", () => {
    expect(guard({ fresh: true, current: vacation, desired: null })).toEqual({ kind: "ours", write: undefined, written: null, previous: null });
  });

  it("replaces ours with ours, keeping what is underneath", () => {
    expect(guard({ current: coding, written: coding, previous: vacation, desired: focus })).toEqual({ kind: "ours", write: focus, written: focus, previous: vacation });
  });

  it("writes nothing when ours is already shown, but writes a moved expiry", () => {
    expect(guard({ current: coding, written: coding, desired: coding })).toMatchObject({ kind: "ours", write: undefined });
    const moved = status(focus.text, focus.emoji, new Date(later.getTime() + 600_000));
    expect(guard({ current: focus, written: focus, desired: moved })).toMatchObject({ kind: "ours", write: moved, written: moved });
  });

  it("restores the user's own status when ours is cleared, unless it expired meanwhile", () => {
    expect(guard({ current: coding, written: coding, previous: vacation, desired: null })).toEqual({ kind: "ours", write: vacation, written: null, previous: vacation });
    const expired = status("Sick", ":face_with_thermometer:", earlier);
    expect(guard({ current: coding, written: coding, previous: expired, desired: null })).toEqual({ kind: "ours", write: null, written: null, previous: expired });
  });

  it("covers the restored status again, and restores it again", () => {
    expect(guard({ current: vacation, written: null, previous: vacation, desired: coding })).toEqual({ kind: "ours", write: coding, written: coding, previous: vacation });
    expect(guard({ current: vacation, written: null, previous: vacation, desired: null })).toMatchObject({ kind: "ours", write: undefined });
  });

  it("holds a status the user set by hand after we wrote: nothing is written, whatever we want to show", () => {
    expect(guard({ current: lunch, written: coding, previous: vacation, desired: focus })).toEqual({ kind: "held" });
    expect(guard({ current: lunch, written: coding, desired: null })).toEqual({ kind: "held" });
    // Still held on the next apply (we recorded nothing of ours there).
    expect(guard({ current: lunch, written: null, previous: null, desired: coding })).toEqual({ kind: "held" });
  });

  it("writes again once the user cleared their status, with nothing underneath", () => {
    expect(guard({ current: null, written: null, previous: null, desired: coding })).toEqual({ kind: "ours", write: coding, written: coding, previous: null });
    expect(guard({ current: null, written: coding, previous: vacation, desired: coding })).toEqual({ kind: "ours", write: coding, written: coding, previous: null });
  });

  it("puts the user's own back when ours expired at the provider by itself", () => {
    const expiredOurs = status("In a meeting", ":calendar:", earlier);
    expect(guard({ current: null, written: expiredOurs, previous: vacation, desired: null })).toEqual({ kind: "ours", write: vacation, written: null, previous: vacation });
  });

  it("takes a status equal to the one it was about to write as its own (a step repeated after a crash)", () => {
    expect(guard({ current: focus, written: coding, previous: vacation, desired: focus })).toEqual({ kind: "ours", write: undefined, written: focus, previous: vacation });
    // Crashed after restoring: the user's own shows, ours is still recorded.
    expect(guard({ current: vacation, written: coding, previous: vacation, desired: null })).toEqual({ kind: "ours", write: undefined, written: null, previous: vacation });
  });
});

describe("a bot's own message (Discord)", () => {
  it("posts when missing, edits when different, deletes when cleared, and leaves it when equal", () => {
    expect(guardOwnMessage({ current: null, written: null, desired: coding })).toMatchObject({ write: coding });
    expect(guardOwnMessage({ current: coding, written: coding, desired: focus })).toMatchObject({ write: focus });
    expect(guardOwnMessage({ current: coding, written: coding, desired: null })).toMatchObject({ write: null, written: null });
    expect(guardOwnMessage({ current: status("🎯 Ana — In focus mode", ""), written: coding, desired: coding })).toMatchObject({ write: undefined });
    expect(guardOwnMessage({ current: null, written: coding, desired: coding })).toMatchObject({ write: coding }); // deleted by a moderator: posted again
  });
});
