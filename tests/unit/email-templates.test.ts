import { describe, expect, it } from "vitest";
import { NOTIFICATION_KINDS, notificationKinds, presentNotification } from "~/lib/notifications/catalog";
import { emailTemplates, renderEmail } from "~/server/email/templates";
import { EMAIL_TEMPLATE_IDS } from "~/server/email/templates/catalog";

const context = { appUrl: "https://devpulse.example", locale: "en-GB", timeZone: "UTC" };

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
