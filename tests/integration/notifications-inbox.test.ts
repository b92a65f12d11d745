import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { refusedFields } from "~/lib/schemas/notifications";
import { getDb } from "~/server/db/client";
import type { AppError } from "~/server/errors";
import { notify } from "~/server/notifications/notify";
import { errorOf, signedUpUser } from "../support/callers";
import { listenRealtime } from "../support/realtime";

/**
 * The in-app channel end to end through the router: notify lists a notification, the bell's
 * count and the live events follow, the list pages newest first, marking read works, and no
 * user can read or mark another's notifications.
 */

const conflict = () => ({ count: 1, conflictIds: [randomUUID()] });

describe("notifications: the in-app list", () => {
  it("lists a notification at once, counts it unread, announces it, and records the decision per channel", async () => {
    const { user, caller } = await signedUpUser("notify-inbox");
    const { heard, stop } = listenRealtime(user.id);
    const result = await notify(await getDb(), user.id, "account.export_ready", { exportId: randomUUID(), format: "json", bytes: 1200 });
    stop();

    const page = await caller.notifications.list();
    // The count is the bell's own query; a page of the list does not count again.
    expect(page).not.toHaveProperty("unread");
    expect(page.items).toHaveLength(1);
    expect(page.items[0]).toMatchObject({ id: result.notificationId, kind: "account.export_ready", title: "Your data export is ready", href: "/privacy", count: 1, readAt: null });
    expect(await caller.notifications.unreadCount()).toEqual({ unread: 1 });

    expect(heard.find((message) => message.event === "notification:unread")?.payload).toEqual({ unread: 1 });
    // The desktop channel's ping: sent now (no holds in the default preferences).
    expect(heard.find((message) => message.event === "notification:new")?.payload).toMatchObject({ id: result.notificationId, title: "Your data export is ready", level: "info" });

    const decisions = await caller.notifications.decisions();
    expect(decisions.map((decision) => decision.channel).sort()).toEqual(["desktop", "email", "inApp", "webhook"]);
    expect(decisions.find((decision) => decision.channel === "inApp")).toMatchObject({ outcome: "send", reason: "immediate", deliveredAs: "listed", title: "Your data export is ready" });
    // Delivered before notify returned.
    expect(decisions.find((decision) => decision.channel === "desktop")).toMatchObject({ outcome: "send", reason: "immediate", deliveredAt: expect.any(Date) });
  });

  it("pages newest first with a cursor, and marks read one by one or all at once", async () => {
    const { user, caller } = await signedUpUser("notify-pages");
    const db = await getDb();
    const base = Date.now() - 60_000;
    const ids: string[] = [];
    for (let index = 0; index < 5; index++) {
      // Different kinds, so none fold into another.
      const result = await notify(db, user.id, index % 2 ? "account.export_ready" : "calendar.focus_block_starting", index % 2 ? { exportId: randomUUID(), format: "csv", bytes: index } : { blockId: randomUUID(), title: `Block ${index}`, startsAt: new Date(base + 3_600_000).toISOString(), minutes: 5 }, { now: new Date(base + index * 1000) });
      ids.push(result.notificationId);
    }
    const first = await caller.notifications.list({ limit: 2 });
    expect(first.items.map((item) => item.id)).toEqual([ids[4], ids[3]]);
    const second = await caller.notifications.list({ limit: 2, cursor: first.nextCursor! });
    expect(second.items.map((item) => item.id)).toEqual([ids[2], ids[1]]);
    const third = await caller.notifications.list({ limit: 2, cursor: second.nextCursor! });
    expect(third.items.map((item) => item.id)).toEqual([ids[0]]);
    expect(third.nextCursor).toBeNull();

    expect(await caller.notifications.markRead({ ids: [ids[0]!, ids[1]!] })).toEqual({ marked: 2, unread: 3 });
    expect((await caller.notifications.list({ unreadOnly: true })).items).toHaveLength(3);
    expect(await caller.notifications.markAllRead()).toEqual({ marked: 3, unread: 0 });
    expect((await errorOf(() => caller.notifications.list({ cursor: "nonsense" }))).code).toBe("BAD_REQUEST");
  });

  it("folds a burst of related ones into one unread notification with a count", async () => {
    const { user, caller } = await signedUpUser("notify-fold");
    const db = await getDb();
    await notify(db, user.id, "sync.conflict_detected", { count: 50, conflictIds: [randomUUID()] });
    await notify(db, user.id, "sync.conflict_detected", conflict());
    const page = await caller.notifications.list();
    expect(page.items).toHaveLength(1);
    expect(page.items[0]).toMatchObject({ title: "51 sync conflicts need your choice", count: 2 });
    // Read: the next one starts a new notification.
    await caller.notifications.markAllRead();
    await notify(db, user.id, "sync.conflict_detected", conflict());
    expect((await caller.notifications.list()).items.map((item) => item.title)).toEqual(["A sync conflict needs your choice", "51 sync conflicts need your choice"]);
  });

  it("a burst lasts while its notices come within 15 minutes of each other, and at most two hours", async () => {
    const { user, caller } = await signedUpUser("notify-burst-span");
    const db = await getDb();
    const at = (minutes: number) => ({ now: new Date(Date.parse("2026-02-02T09:00:00Z") + minutes * 60_000) });
    // Every 14 minutes for two and a half hours: one burst until 11:00, then a new one.
    for (let minutes = 0; minutes <= 140; minutes += 14) await notify(db, user.id, "integration.failed", { provider: "github", status: "error", message: "GitHub answered 502" }, at(minutes));
    // After a 17-minute quiet spell, another new one.
    await notify(db, user.id, "integration.failed", { provider: "github", status: "error", message: "GitHub answered 502" }, at(157));
    const counts = (await caller.notifications.list()).items.filter((item) => item.kind === "integration.failed").map((item) => item.count);
    expect(counts).toEqual([1, 2, 9]); // 09:00…10:52 (9), 11:06 and 11:20 (2), 11:37 (1)
  });

  it("shows the preferences with their defaults, and changes only what a change names", async () => {
    const { caller } = await signedUpUser("notify-prefs");
    const before = await caller.notifications.preferences.get();
    expect(before.categories.sync).toEqual({ channels: ["inApp", "desktop", "email", "webhook"], frequency: "immediate" });
    const updated = await caller.notifications.preferences.update({ categories: { sync: { frequency: "hourly" } }, quietHours: { enabled: true } });
    expect(updated).toEqual({ ...before, categories: { ...before.categories, sync: { ...before.categories.sync, frequency: "hourly" } }, quietHours: { enabled: true, start: "22:00", end: "08:00" } });
    expect(await caller.notifications.preferences.get()).toEqual(updated);
  });

  it("refuses a channel the category cannot use, naming the field, and keeps the preferences as they were", async () => {
    const { caller } = await signedUpUser("notify-prefs-channel");
    const before = await caller.notifications.preferences.get();
    // No weekly-summary kind goes to the desktop (catalog: inApp, email, webhook).
    const refused = await errorOf(() => caller.notifications.preferences.update({ categories: { summary: { channels: ["inApp", "desktop"] } } }));
    expect(refused).toMatchObject({ code: "BAD_REQUEST", message: 'categories.summary.channels.1: "desktop" is not a channel for summary notifications' });
    // The field, by its path, in the refusal's details: what the settings page places on the field.
    expect(refusedFields((refused.cause as AppError).details)).toEqual(new Map([["categories.summary.channels.1", '"desktop" is not a channel for summary notifications']]));
    expect(await caller.notifications.preferences.get()).toEqual(before);
  });

  it("refuses a quiet-hours time that is not one, naming the nested field in the details", async () => {
    const { caller } = await signedUpUser("notify-prefs-clock");
    const refused = await errorOf(() => caller.notifications.preferences.update({ quietHours: { enabled: true, start: "25:00" } }));
    expect(refused.code).toBe("BAD_REQUEST");
    expect(refusedFields((refused.cause as AppError).details)).toEqual(new Map([["quietHours.start", "Use a 24-hour time like 22:00"]]));
    expect((await caller.notifications.preferences.get()).quietHours).toEqual({ enabled: false, start: "22:00", end: "08:00" });
  });

  it("refuses a time zone that does not exist, naming the field", async () => {
    const { caller } = await signedUpUser("notify-prefs-zone");
    const refused = await errorOf(() => caller.notifications.preferences.update({ timeZone: "Mars/Olympus" }));
    expect(refused.code).toBe("BAD_REQUEST");
    expect(refused.message).toMatch(/^Invalid input: timeZone: /);
    expect((await caller.notifications.preferences.get()).timeZone).toBe("UTC");
  });
});

describe("notifications: authorization", () => {
  it("user B cannot see, count, mark or read the decisions of user A's notifications", async () => {
    const a = await signedUpUser("notify-owner");
    const b = await signedUpUser("notify-other");
    const { notificationId } = await notify(await getDb(), a.user.id, "account.export_ready", { exportId: randomUUID(), format: "json", bytes: 1 });

    expect((await b.caller.notifications.list()).items).toEqual([]);
    expect(await b.caller.notifications.unreadCount()).toEqual({ unread: 0 });
    expect(await b.caller.notifications.decisions()).toEqual([]);
    const refused = await errorOf(() => b.caller.notifications.markRead({ ids: [notificationId] }));
    expect(refused.code).toBe("NOT_FOUND");
    expect(await b.caller.notifications.markAllRead()).toEqual({ marked: 0, unread: 0 });
    // A's notification is untouched by B's attempts.
    expect((await a.caller.notifications.list()).items[0]).toMatchObject({ id: notificationId, readAt: null });
    expect(await a.caller.notifications.markRead({ ids: [notificationId] })).toEqual({ marked: 1, unread: 0 });
  });
});
