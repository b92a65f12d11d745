import { randomUUID } from "node:crypto";
import type { Change, MicrosoftData } from "./data";
import { isoGraph } from "./wire";

/**
 * Graph change notifications for Outlook events (https://learn.microsoft.com/graph/change-notifications-delivery-webhooks):
 *
 * - POST /subscriptions first POSTs `notificationUrl?validationToken=<token>` (text/plain, empty
 *   body) and requires 200 with exactly the token as a text/plain body within 10 s; the same for
 *   lifecycleNotificationUrl when given. Otherwise 400 InvalidRequest "Subscription validation
 *   request failed…" and nothing is created.
 * - Resources: me/events, me/calendar/events, me/calendars/{id}/events, users/{id|upn}/… the same.
 *   changeType: any of created,updated,deleted. expirationDateTime at most `maxMinutes` ahead
 *   (4230 by default) and in the future; clientState up to 128 characters.
 * - A change POSTs { value: [{ subscriptionId, subscriptionExpirationDateTime, changeType, resource:
 *   "Users/{userId}/Events/{eventId}", resourceData: { @odata.type, @odata.id, @odata.etag, id },
 *   clientState, tenantId }] } to notificationUrl. The receiver should answer 2xx within 3 s;
 *   the double records the answer and does not retry.
 * - Lifecycle notifications (helpers): { value: [{ subscriptionId, subscriptionExpirationDateTime,
 *   tenantId, clientState, lifecycleEvent }] } to lifecycleNotificationUrl. After
 *   `reauthorizationRequired`, change notifications are held back (counted in `withheld`) until the
 *   app PATCHes the subscription or POSTs /subscriptions/{id}/reauthorize; `subscriptionRemoved`
 *   deletes the subscription; `missed` only tells the app to resync.
 * - A subscription past its expirationDateTime (on the double's clock) is gone: no deliveries, 404.
 */
export type Subscription = {
  id: string;
  ownerId: string;
  resource: string;
  /** Parsed resource: whose events, and which calendar (null: every calendar). */
  target: { userId: string; calendarId: string | null };
  changeTypes: string[];
  notificationUrl: string;
  lifecycleNotificationUrl: string | null;
  clientState: string | null;
  expiresAt: number;
  applicationId: string;
  needsReauthorization: boolean;
  withheld: number;
};

export type GraphDelivery = {
  kind: "validation" | "change" | "lifecycle";
  subscriptionId: string | null;
  url: string;
  /** What was sent (JSON for change and lifecycle; empty for validation). */
  body: string;
  payload: unknown;
  /** The receiver's answer; null when unreachable or timed out. */
  status: number | null;
  responseBody: string | null;
  responseContentType: string | null;
  error: string | null;
  durationMs: number;
};

export type LifecycleEvent = "reauthorizationRequired" | "missed" | "subscriptionRemoved";

export class GraphSubscriptions {
  readonly items = new Map<string, Subscription>();
  readonly deliveries: GraphDelivery[] = [];
  private inFlight = new Set<Promise<unknown>>();

  constructor(
    private readonly ctx: {
      data: MicrosoftData;
      now: () => number;
      tenantId: string;
      validationTimeoutMs: number;
      notificationTimeoutMs: number;
      maxMinutes: number;
    },
  ) {}

  /** Live subscriptions (expired ones are dropped on the way). */
  live(): Subscription[] {
    for (const [id, s] of this.items) if (s.expiresAt <= this.ctx.now()) this.items.delete(id);
    return [...this.items.values()];
  }

  get(id: string): Subscription | undefined {
    return this.live().find((s) => s.id === id);
  }

  json(s: Subscription) {
    return {
      id: s.id,
      resource: s.resource,
      applicationId: s.applicationId,
      changeType: s.changeTypes.join(","),
      clientState: s.clientState,
      notificationUrl: s.notificationUrl,
      notificationQueryOptions: null,
      lifecycleNotificationUrl: s.lifecycleNotificationUrl,
      expirationDateTime: isoGraph(s.expiresAt),
      creatorId: s.ownerId,
      includeResourceData: null,
      latestSupportedTlsVersion: "v1_2",
      encryptionCertificate: null,
      encryptionCertificateId: null,
      notificationUrlAppId: null,
    };
  }

  /** Resolves a subscription resource to a person's calendar(s), or null when Graph would refuse it. */
  parseResource(resource: string, me: string): { userId: string; calendarId: string | null } | null {
    const parts = resource.replace(/^\/+|\/+$/g, "").split("/");
    let userId: string | undefined;
    if (parts[0]?.toLowerCase() === "me") {
      userId = me;
      parts.shift();
    } else if (parts[0]?.toLowerCase() === "users" && parts[1]) {
      const key = decodeURIComponent(parts[1]).toLowerCase();
      userId = [...this.ctx.data.mailboxes.values()].find((m) => m.person.id === key || m.person.userPrincipalName.toLowerCase() === key)?.person.id;
      parts.splice(0, 2);
    }
    if (!userId) return null;
    const path = parts.map((p) => p.toLowerCase());
    if (path.length === 1 && path[0] === "events") return { userId, calendarId: null };
    if (path.length === 2 && path[0] === "calendar" && path[1] === "events") return { userId, calendarId: this.ctx.data.defaultCalendar(userId).id };
    if (path.length === 3 && path[0] === "calendars" && path[2] === "events") {
      const calendar = this.ctx.data.calendar(userId, parts[1]!);
      return calendar ? { userId, calendarId: calendar.id } : null;
    }
    return null;
  }

  /** Checks an expirationDateTime: the instant, or Graph's message for a refusal. */
  expiration(value: unknown): number | string {
    const ms = typeof value === "string" ? Date.parse(value) : Number.NaN;
    if (Number.isNaN(ms)) return "expirationDateTime is not a valid DateTimeOffset.";
    if (ms <= this.ctx.now()) return "Subscription expiration can only be in the future.";
    if (ms > this.ctx.now() + this.ctx.maxMinutes * 60_000) return `Subscription expiration can only be ${this.ctx.maxMinutes} minutes in the future.`;
    return ms;
  }

  /** The validation handshake: true when the endpoint echoed the token as text/plain with 200. */
  async validate(url: string): Promise<{ ok: true } | { ok: false; message: string }> {
    const token = `Validation: Testing client application reachability for subscription Request-Id: ${randomUUID()}`;
    const target = `${url}${url.includes("?") ? "&" : "?"}validationToken=${encodeURIComponent(token)}`;
    const delivery = await this.post("validation", null, target, "", undefined, this.ctx.validationTimeoutMs, "text/plain; charset=utf-8");
    if (delivery.status === null || delivery.status !== 200) return { ok: false, message: "Subscription validation request failed. Notification endpoint must respond with 200 OK to validation request." };
    if (delivery.responseBody !== token || !(delivery.responseContentType ?? "").toLowerCase().startsWith("text/plain")) {
      return { ok: false, message: "Subscription validation request failed. Response must exactly match validationToken query parameter." };
    }
    return { ok: true };
  }

  /** Sends the change to every live subscription that covers it (in the background; see settled()). */
  notify(change: Change): void {
    for (const s of this.live()) {
      if (s.target.userId !== change.ownerId) continue;
      if (s.target.calendarId !== null && s.target.calendarId !== change.calendarId) continue;
      if (!s.changeTypes.includes(change.changeType)) continue;
      if (s.needsReauthorization) {
        s.withheld += 1;
        continue;
      }
      const resource = `Users/${change.ownerId}/Events/${change.eventId}`;
      const payload = {
        value: [
          {
            subscriptionId: s.id,
            subscriptionExpirationDateTime: isoGraph(s.expiresAt).replace(/(\.\d{3})\d+Z$/, "$1Z").replace(/Z$/, "+00:00"),
            changeType: change.changeType,
            resource,
            resourceData: { "@odata.type": "#Microsoft.Graph.Event", "@odata.id": resource, "@odata.etag": `W/"${randomUUID().replace(/-/g, "").slice(0, 20)}"`, id: change.eventId },
            clientState: s.clientState,
            tenantId: this.ctx.tenantId,
          },
        ],
      };
      this.track(this.post("change", s.id, s.notificationUrl, JSON.stringify(payload), payload, this.ctx.notificationTimeoutMs));
    }
  }

  async lifecycle(subscriptionId: string, event: LifecycleEvent): Promise<GraphDelivery> {
    const s = this.get(subscriptionId);
    if (!s) throw new Error(`Microsoft double: no live subscription ${subscriptionId}`);
    if (!s.lifecycleNotificationUrl) throw new Error(`Microsoft double: subscription ${subscriptionId} has no lifecycleNotificationUrl, so Graph sends no ${event}`);
    if (event === "reauthorizationRequired") s.needsReauthorization = true;
    if (event === "subscriptionRemoved") this.items.delete(s.id);
    const payload = { value: [{ subscriptionId: s.id, subscriptionExpirationDateTime: isoGraph(s.expiresAt).replace(/(\.\d{3})\d+Z$/, "$1Z").replace(/Z$/, "+00:00"), tenantId: this.ctx.tenantId, clientState: s.clientState, lifecycleEvent: event }] };
    const delivery = this.post("lifecycle", s.id, s.lifecycleNotificationUrl, JSON.stringify(payload), payload, this.ctx.notificationTimeoutMs);
    this.track(delivery);
    return delivery;
  }

  /** Waits for every notification sent so far to be answered (or to time out). */
  async settled(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  private track(promise: Promise<unknown>): void {
    this.inFlight.add(promise);
    void promise.finally(() => this.inFlight.delete(promise));
  }

  private async post(kind: GraphDelivery["kind"], subscriptionId: string | null, url: string, body: string, payload: unknown, timeoutMs: number, contentType = "application/json; charset=utf-8"): Promise<GraphDelivery> {
    const delivery: GraphDelivery = { kind, subscriptionId, url, body, payload, status: null, responseBody: null, responseContentType: null, error: null, durationMs: 0 };
    const started = Date.now();
    try {
      const response = await fetch(url, { method: "POST", headers: { "content-type": contentType, accept: "text/plain, application/json" }, body, redirect: "manual", signal: AbortSignal.timeout(timeoutMs) });
      delivery.status = response.status;
      delivery.responseContentType = response.headers.get("content-type");
      delivery.responseBody = await response.text();
    } catch (error) {
      const cause = (error as { cause?: { code?: string } }).cause?.code;
      delivery.error = (error as Error).name === "TimeoutError" ? `timed out after ${timeoutMs} ms` : `${(error as Error).message}${cause ? ` (${cause})` : ""}`;
    }
    delivery.durationMs = Date.now() - started;
    this.deliveries.push(delivery);
    return delivery;
  }
}
