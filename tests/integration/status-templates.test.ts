import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { BUILT_IN_TEMPLATE_KEYS, STATUS_LIMITS } from "~/lib/status/templates";
import { getDb } from "~/server/db/client";
import { userStatus } from "~/server/db/schema";
import { setStatusFrom } from "~/server/status/status";
import { errorOf, signedUpUser } from "../support/callers";
import { useStatusTestTiming } from "./status-helpers";
import { until } from "../support/until";

// Templates, schedules and the desired status through the status procedures (no chat
// provider connected: the decisions and who may touch what).
useStatusTestTiming(10_000);

const standup = { key: "standup", name: "Stand-up", slack: { emoji: ":speaking_head_in_silhouette:", text: "In the stand-up" }, discord: { emoji: "🗣️", text: "In the stand-up" } };
const soon = (ms = 60 * 60_000) => new Date(Date.now() + ms);

describe("templates", () => {
  it("lists the four built-ins, edits one, adds the user's own, and removing a built-in puts it back", async () => {
    const { caller } = await signedUpUser("tpl-crud");
    const initial = await caller.status.templates.list();
    expect(initial.map((template) => template.key)).toEqual(["coding", "focus", "debugging", "meeting"]);
    expect(initial.every((template) => template.builtIn && !template.edited)).toBe(true);

    const edited = await caller.status.templates.upsert({ ...initial[1]!, slack: { emoji: ":headphones:", text: "Heads down" } });
    expect(edited).toMatchObject({ key: "focus", builtIn: true, edited: true, slack: { emoji: ":headphones:", text: "Heads down" } });
    expect(await caller.status.templates.upsert(standup)).toMatchObject({ key: "standup", builtIn: false, edited: false });
    expect((await caller.status.templates.list()).map((template) => template.key)).toEqual([...BUILT_IN_TEMPLATE_KEYS, "standup"]);
    // The edit is what a focus status shows.
    expect(await caller.status.set({ template: "focus" })).toMatchObject({ text: "Heads down", slackEmoji: ":headphones:" });

    expect(await caller.status.templates.remove({ key: "focus" })).toEqual({ removed: true });
    expect((await caller.status.templates.list()).find((template) => template.key === "focus")).toMatchObject({ edited: false, slack: { emoji: ":dart:", text: "In focus mode" } });
    expect((await caller.status.current()).status).toMatchObject({ text: "In focus mode" });
    await caller.status.clear();
    expect(await caller.status.templates.remove({ key: "standup" })).toEqual({ removed: true });
    expect((await caller.status.templates.list()).map((template) => template.key)).toEqual(BUILT_IN_TEMPLATE_KEYS);
  });

  it("refuses what Slack and the page cannot hold, with messages for people", async () => {
    const { caller } = await signedUpUser("tpl-invalid");
    const refused = async (input: unknown) => errorOf(() => caller.status.templates.upsert(input as typeof standup));
    expect(await refused({ ...standup, key: "Stand Up" })).toMatchObject({ code: "BAD_REQUEST", message: expect.stringContaining("lower-case letters, digits and dashes") });
    expect(await refused({ ...standup, slack: { emoji: "dart", text: "x" } })).toMatchObject({ message: expect.stringContaining("Slack emoji are written :name:") });
    expect(await refused({ ...standup, slack: { emoji: ":dart:", text: "x".repeat(101) } })).toMatchObject({ message: expect.stringContaining("at most 100 characters") });
    expect(await refused({ ...standup, name: "" })).toMatchObject({ message: expect.stringContaining("Give the template a name") });
    expect(await refused({ ...standup, name: "a\u0000b" })).toMatchObject({ message: expect.stringContaining("NUL") });
    expect(await errorOf(() => caller.status.set({ template: "nope" }))).toMatchObject({ code: "NOT_FOUND", message: expect.stringContaining('no status template "nope"') });
    expect(await errorOf(() => caller.status.set({ template: "coding", custom: { text: "x" } } as never))).toMatchObject({ code: "BAD_REQUEST", message: expect.stringContaining("one of the two") });
    expect(await errorOf(() => caller.status.heartbeat({ activity: "focus", focusUntil: new Date(Date.now() + 13 * 3_600_000) }))).toMatchObject({ code: "BAD_REQUEST", message: expect.stringContaining("at most 12 hours") });
    expect(await errorOf(() => caller.status.heartbeat({ activity: "napping" } as never))).toMatchObject({ code: "BAD_REQUEST", message: expect.stringContaining("activity must be one of") });
    expect(await errorOf(() => caller.status.updateSettings({ idleMinutes: 1 }))).toMatchObject({ code: "BAD_REQUEST", message: expect.stringContaining("At least 2 minutes") });
  });

  it(`keeps at most ${STATUS_LIMITS.templates} templates of the user's own`, async () => {
    const { caller } = await signedUpUser("tpl-limit");
    for (let n = 0; n < STATUS_LIMITS.templates; n++) await caller.status.templates.upsert({ ...standup, key: `own-${n}` });
    expect(await errorOf(() => caller.status.templates.upsert({ ...standup, key: "one-too-many" }))).toMatchObject({ code: "PRECONDITION_FAILED", message: expect.stringContaining(`at most ${STATUS_LIMITS.templates}`) });
    // Editing one of them, or a built-in, is still allowed.
    await caller.status.templates.upsert({ ...standup, key: "own-0", name: "Renamed" });
    await caller.status.templates.upsert({ ...standup, key: "coding" });
  });

  it("keeps a template the status shows or a schedule uses, until that is cleared or cancelled", async () => {
    const { caller } = await signedUpUser("tpl-in-use");
    await caller.status.templates.upsert(standup);
    await caller.status.set({ template: "standup" });
    expect(await errorOf(() => caller.status.templates.remove({ key: "standup" }))).toMatchObject({ code: "CONFLICT", message: expect.stringContaining("Clear your status first") });
    await caller.status.clear();
    const schedule = await caller.status.schedule({ template: "standup", startAt: soon(), durationMinutes: 15 });
    expect(await errorOf(() => caller.status.templates.remove({ key: "standup" }))).toMatchObject({ code: "CONFLICT", message: expect.stringContaining("Cancel it first") });
    await caller.status.schedules.cancel({ id: schedule.id });
    expect(await caller.status.templates.remove({ key: "standup" })).toEqual({ removed: true });
  });
});

describe("the desired status", () => {
  it("a status set on the page holds against heartbeats until it is cleared; then heartbeats take over again", async () => {
    const { caller } = await signedUpUser("st-manual");
    expect(await caller.status.heartbeat({ activity: "coding" })).toEqual({ changed: true });
    expect(await caller.status.heartbeat({ activity: "coding" })).toEqual({ changed: false });
    await caller.status.set({ custom: { text: "Pairing with Ana" } });
    expect(await caller.status.heartbeat({ activity: "debugging" })).toEqual({ changed: false });
    expect(await caller.status.heartbeat({ activity: "idle" })).toEqual({ changed: false });
    const held = await caller.status.current();
    expect(held.status).toMatchObject({ text: "Pairing with Ana", slackEmoji: ":speech_balloon:", discordEmoji: "💬", source: "manual" });
    expect(held.lastHeartbeatAt).toBeInstanceOf(Date);
    await caller.status.clear();
    expect(await caller.status.heartbeat({ activity: "debugging" })).toEqual({ changed: true });
    expect((await caller.status.current()).status).toMatchObject({ templateKey: "debugging", source: "heartbeat", activity: "debugging" });
  });

  it("a status set for a while stops holding once it ends", async () => {
    const { user, caller } = await signedUpUser("st-expiry");
    await caller.status.set({ template: "meeting", durationMinutes: 1 });
    const db = await getDb();
    await db.update(userStatus).set({ expiresAt: new Date(Date.now() - 1000) }).where(eq(userStatus.userId, user.id));
    expect((await caller.status.current()).status).toBeNull();
    expect(await caller.status.heartbeat({ activity: "coding" })).toEqual({ changed: true });
  });

  it("the calendar's seam sets a status with its own source, which heartbeats do not override", async () => {
    const { user, caller } = await signedUpUser("st-calendar");
    const status = await setStatusFrom(await getDb(), user.id, { template: "meeting", durationMinutes: 30 }, "calendar");
    expect(status).toMatchObject({ templateKey: "meeting", source: "calendar" });
    expect(await caller.status.heartbeat({ activity: "coding" })).toEqual({ changed: false });
    expect((await caller.status.current()).status).toMatchObject({ source: "calendar", text: "In a meeting" });
  });

  it("settings: the idle timeout and DND during focus are the user's; project context is the privacy setting", async () => {
    const { caller } = await signedUpUser("st-settings");
    expect((await caller.status.current()).settings).toEqual({ idleMinutes: 10, dndDuringFocus: true, projectContext: false });
    expect(await caller.status.updateSettings({})).toEqual({ idleMinutes: 10, dndDuringFocus: true, projectContext: false });
    // A key sent as undefined (superjson carries it) changes nothing: it was an update with nothing to set, a 500.
    expect(await caller.status.updateSettings({ dndDuringFocus: undefined })).toEqual({ idleMinutes: 10, dndDuringFocus: true, projectContext: false });
    expect(await caller.status.updateSettings({ idleMinutes: 25, dndDuringFocus: false })).toEqual({ idleMinutes: 25, dndDuringFocus: false, projectContext: false });
    await caller.privacy.updateSettings({ statusSharing: { projectContext: true } });
    expect((await caller.status.current()).settings).toEqual({ idleMinutes: 25, dndDuringFocus: false, projectContext: true });
  });
});

describe("schedules", () => {
  it("refuses a start in the past or too far ahead; lists what is not over, soonest first", async () => {
    const { caller } = await signedUpUser("sch-list");
    expect(await errorOf(() => caller.status.schedule({ template: "meeting", startAt: new Date(Date.now() - 1000), durationMinutes: 30 }))).toMatchObject({ code: "BAD_REQUEST", message: expect.stringContaining("in the future") });
    expect(await errorOf(() => caller.status.schedule({ template: "meeting", startAt: soon(200 * 86_400_000), durationMinutes: 30 }))).toMatchObject({ code: "BAD_REQUEST", message: expect.stringContaining("90 days") });
    const later = await caller.status.schedule({ template: "focus", startAt: soon(3 * 3_600_000), durationMinutes: 50 });
    const sooner = await caller.status.schedule({ template: "meeting", startAt: soon(3_600_000), durationMinutes: 30 });
    expect((await caller.status.schedules.list()).map((schedule) => [schedule.id, schedule.templateName, schedule.state])).toEqual([
      [sooner.id, "Meeting", "scheduled"],
      [later.id, "Focus", "scheduled"],
    ]);
    expect(await caller.status.schedules.cancel({ id: sooner.id })).toMatchObject({ state: "cancelled" });
    expect((await caller.status.schedules.list()).map((schedule) => schedule.id)).toEqual([later.id]);
  });
});

describe("schedules, as they run", () => {
  it("a status set while a schedule shows replaces it, and that schedule is over", async () => {
    const { caller } = await signedUpUser("sch-replaced");
    await caller.status.schedule({ template: "meeting", startAt: new Date(Date.now() + 800), durationMinutes: 30 });
    await until(() => caller.status.current(), (current) => current.status?.source === "schedule");
    expect((await caller.status.schedules.list()).map((schedule) => schedule.state)).toEqual(["active"]);
    await caller.status.set({ template: "coding" });
    expect(await caller.status.schedules.list()).toEqual([]);
    expect((await caller.status.current()).status).toMatchObject({ templateKey: "coding", source: "manual" });
  });
});

describe("another user", () => {
  it("cannot see or change another user's schedules, templates or status", async () => {
    const alice = await signedUpUser("st-alice");
    const bob = await signedUpUser("st-bob");
    await alice.caller.status.templates.upsert(standup);
    await alice.caller.status.templates.upsert({ ...standup, key: "coding", name: "Alice codes" });
    const schedule = await alice.caller.status.schedule({ template: "standup", startAt: soon(), durationMinutes: 15 });
    await alice.caller.status.set({ template: "debugging" });

    expect((await bob.caller.status.templates.list()).map((template) => [template.key, template.name])).toEqual([
      ["coding", "Coding"],
      ["focus", "Focus"],
      ["debugging", "Debugging"],
      ["meeting", "Meeting"],
    ]);
    expect(await bob.caller.status.schedules.list()).toEqual([]);
    expect(await errorOf(() => bob.caller.status.schedules.cancel({ id: schedule.id }))).toMatchObject({ code: "NOT_FOUND" });
    expect(await errorOf(() => bob.caller.status.templates.remove({ key: "standup" }))).toMatchObject({ code: "NOT_FOUND" });
    expect(await errorOf(() => bob.caller.status.set({ template: "standup" }))).toMatchObject({ code: "NOT_FOUND" });
    expect(await errorOf(() => bob.caller.status.schedule({ template: "standup", startAt: soon(), durationMinutes: 15 }))).toMatchObject({ code: "NOT_FOUND" });
    // Bob's own edits and clears touch only Bob.
    await bob.caller.status.templates.remove({ key: "coding" });
    await bob.caller.status.clear();
    expect((await bob.caller.status.current()).status).toBeNull();

    expect((await alice.caller.status.schedules.list()).map((entry) => [entry.id, entry.state])).toEqual([[schedule.id, "scheduled"]]);
    expect((await alice.caller.status.templates.list()).find((template) => template.key === "coding")).toMatchObject({ name: "Alice codes", edited: true });
    expect((await alice.caller.status.current()).status).toMatchObject({ templateKey: "debugging" });
  });
});
