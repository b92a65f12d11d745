import { describe, expect, it } from "vitest";
import { NOTIFICATION_KINDS, notificationKinds, presentNotification } from "~/lib/notifications/catalog";
import { SUPPORTED_LOCALES, ZLocale } from "~/lib/schemas/locale";
import { emailTemplates, renderEmail, type EmailContext } from "~/server/email/templates";
import { EMAIL_TEMPLATE_IDS } from "~/server/email/templates/catalog";

const context: EmailContext = { appUrl: "https://devpulse.example", locale: "en-GB", timeZone: "UTC" };

describe("email templates", () => {
  it("every template renders its sample: a subject, an HTML part and a text part saying the same", async () => {
    for (const id of EMAIL_TEMPLATE_IDS) {
      const rendered = await renderEmail(id, emailTemplates[id].sample(context.appUrl) as never, context);
      expect(rendered.subject.length, id).toBeGreaterThan(5);
      expect(rendered.html, id).toMatch(/^<!DOCTYPE html/i);
      expect(rendered.text, id).not.toMatch(/<[a-z]/i);
      expect(rendered.text, id).toContain("DevPulse Cloud");
    }
  });

  it("the notification template follows the catalog's present() for every kind (a new kind needs no template)", async () => {
    const samples: Record<string, unknown> = {
      "sync.conflict_detected": { count: 2, conflictIds: [] },
      "integration.failed": { provider: "gitlab", status: "needs_reauth", message: "Token revoked", failures: 1 },
      "security.device_signed_in": { deviceId: "00000000-0000-4000-8000-000000000001", deviceName: "Work laptop", signedInAt: "2026-03-10T08:00:00Z" },
      "account.export_ready": { exportId: "00000000-0000-4000-8000-000000000002", format: "csv", bytes: 1 },
      "account.inactivity_warning": { deletionDate: "2026-05-01T00:00:00Z" },
      "calendar.conflict_detected": { count: 1, start: "2026-03-10T08:00:00Z", focusBlock: false },
      "calendar.focus_block_starting": { blockId: "00000000-0000-4000-8000-000000000003", title: "Deep work", startsAt: "2026-03-10T08:00:00Z", minutes: 5 },
      "summary.weekly": { weekStart: "2026-03-09", codingMinutes: 600, commits: 12, focusMinutes: 300, conflictsResolved: 1 },
      "webhooks.endpoint_disabled": { endpointId: "00000000-0000-4000-8000-000000000004", host: "hooks.example.com", reason: "failing" },
    };
    expect(Object.keys(samples).sort()).toEqual([...NOTIFICATION_KINDS].sort());
    for (const kind of NOTIFICATION_KINDS) {
      const notification = { kind, data: notificationKinds[kind].data.parse(samples[kind]) } as never;
      const shown = presentNotification(notification);
      const rendered = await renderEmail("notification", { notification }, context);
      expect(rendered.subject).toBe(shown.title);
      if (shown.body) expect(rendered.text).toContain(shown.body);
      if (shown.href) expect(rendered.html).toContain(`href="${context.appUrl}${shown.href}"`);
    }
  });

  it("times are the reader's: the same digest in Berlin and in New York, with the zone named", async () => {
    const digest = { window: "hourly" as const, items: [{ id: "1", createdAt: "2026-07-01T22:30:00Z", kind: "sync.conflict_detected" as const, data: { count: 3, conflictIds: [] } }] };
    const berlin = await renderEmail("digest", digest, { ...context, timeZone: "Europe/Berlin" });
    const newYork = await renderEmail("digest", digest, { ...context, timeZone: "America/New_York" });
    expect(berlin.text).toMatch(/2 Jul 2026, 00:30 CEST/);
    expect(newYork.text).toMatch(/1 Jul 2026, 18:30 (EDT|GMT-4)/);
    expect(berlin.subject).toBe("Your hourly DevPulse digest: 1 notification");
    expect(berlin.text).toMatch(/Sync \(1\)/);
  });

  it("a digest says why it came: the hourly or daily digest the reader chose, or notices held while they were busy", async () => {
    const items = [1, 2].map((n) => ({ id: String(n), createdAt: "2026-07-01T22:30:00Z", kind: "sync.conflict_detected" as const, data: { count: 1, conflictIds: [] } }));
    const daily = await renderEmail("digest", { window: "daily", items }, context);
    const held = await renderEmail("digest", { window: "held", items }, context);
    expect(daily.subject).toBe("Your daily DevPulse digest: 2 notifications");
    expect(daily.text).toContain("You chose a daily digest");
    expect(held.subject).toBe("While you were busy, DevPulse held: 2 notifications");
    expect(held.text).toContain("in focus, in quiet hours or on do-not-disturb");
    expect(held.text).not.toMatch(/You chose|hourly|daily/);
  });

  it("dates and times are written the reader's way: the same digest for en-US and de-DE, the words in English", async () => {
    const digest = { window: "hourly" as const, items: [{ id: "1", createdAt: "2026-07-01T22:30:00Z", kind: "sync.conflict_detected" as const, data: { count: 3, conflictIds: [] } }] };
    const american = await renderEmail("digest", digest, { ...context, locale: "en-US", timeZone: "Europe/Berlin" });
    const german = await renderEmail("digest", digest, { ...context, locale: "de-DE", timeZone: "Europe/Berlin" });
    // Month first with a 12-hour clock; day first, numeric, on a 24-hour clock with the German zone name.
    expect(american.text).toMatch(/Jul 2, 2026, 12:30\sAM GMT\+2/);
    expect(german.text).toMatch(/02\.07\.2026, 00:30 MESZ/);
    expect(german.text).not.toMatch(/Jul 2|12:30|CEST/);
    // Only the formats follow the locale: the copy, and the language the HTML declares, stay English.
    for (const rendered of [american, german]) {
      expect(rendered.subject).toBe("Your hourly DevPulse digest: 1 notification");
      expect(rendered.text).toContain("Your hourly digest");
      expect(rendered.html).toMatch(/<html[^>]* lang="en"/);
    }
  });

  it("counts and days follow the locale too, in the subject and the body (the deletion warning)", async () => {
    const warning = { name: "Ana", deletionDate: "2026-04-09T04:00:00Z", deleteAfterDays: 1095 };
    const british = await renderEmail("inactivityWarning", warning, context);
    const american = await renderEmail("inactivityWarning", warning, { ...context, locale: "en-US" });
    const german = await renderEmail("inactivityWarning", warning, { ...context, locale: "de-DE" });
    expect(british.subject).toBe("Your DevPulse Cloud account will be deleted on 9 April 2026");
    expect(american.subject).toBe("Your DevPulse Cloud account will be deleted on April 9, 2026");
    expect(german.subject).toBe("Your DevPulse Cloud account will be deleted on 9. April 2026");
    expect(american.text).toContain("after 1,095 days without use");
    expect(german.text).toContain("after 1.095 days without use");
    expect(german.text).toContain("On 9. April 2026 we will delete your account");
  });

  it("every supported locale is one this runtime formats, and nothing else is accepted", () => {
    expect(Intl.DateTimeFormat.supportedLocalesOf([...SUPPORTED_LOCALES])).toEqual([...SUPPORTED_LOCALES]);
    expect(Intl.NumberFormat.supportedLocalesOf([...SUPPORTED_LOCALES])).toEqual([...SUPPORTED_LOCALES]);
    for (const refused of ["", "en", "en_GB", "de-de", "xx-XX", "en-GB; drop table users"]) expect(ZLocale.safeParse(refused).success, refused).toBe(false);
  });

  it("the digest groups by category with counts; the unsubscribe link appears only when given", async () => {
    const sample = emailTemplates.digest.sample(context.appUrl);
    const plain = await renderEmail("digest", sample, context);
    expect(plain.text).toMatch(/Sync \(1\)[\s\S]*Integrations \(1\)[\s\S]*Calendar \(1\)[\s\S]*Account \(1\)/);
    expect(plain.html).not.toContain("Unsubscribe");
    const withLink = await renderEmail("digest", sample, { ...context, unsubscribeUrl: "https://devpulse.example/api/email/unsubscribe?token=t" });
    expect(withLink.html).toContain('href="https://devpulse.example/api/email/unsubscribe?token=t"');
  });

  it("variables are escaped, never markup", async () => {
    const rendered = await renderEmail("emailChangeConfirm", { newEmail: "<script>x</script>@example.com", oldEmail: "a@example.com", link: "https://devpulse.example/confirm-email?token=x" }, context);
    expect(rendered.html).not.toContain("<script>");
    expect(rendered.html).toContain("&lt;script&gt;");
  });
});
