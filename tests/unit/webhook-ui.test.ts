import { describe, expect, it } from "vitest";
import { WEBHOOK_KIND_LABELS } from "~/components/webhooks/endpoint-form";
import { NOTIFICATION_KINDS, notificationKinds, WEBHOOK_NOTIFICATION_KINDS } from "~/lib/notifications/catalog";

describe("webhook settings: kind labels", () => {
  it("name every kind webhooks carry, in the catalog's words, and no other kind", () => {
    expect(Object.keys(WEBHOOK_KIND_LABELS).sort()).toEqual([...WEBHOOK_NOTIFICATION_KINDS].sort());
    for (const kind of WEBHOOK_NOTIFICATION_KINDS) expect(WEBHOOK_KIND_LABELS[kind]).toBe(notificationKinds[kind].label);
    expect(WEBHOOK_KIND_LABELS["account.inactivity_warning"]).toBeUndefined();
  });

  it("every kind in the catalog has a label of its own", () => {
    const labels = NOTIFICATION_KINDS.map((kind) => notificationKinds[kind].label);
    expect(labels.every((label) => label.trim().length > 3)).toBe(true);
    expect(new Set(labels).size).toBe(labels.length);
  });
});
