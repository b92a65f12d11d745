import { createHash, randomBytes } from "node:crypto";
import type { CalendarStore, StoredCalendar } from "./calendar";

/**
 * Push notifications (https://developers.google.com/calendar/api/guides/push):
 * events.watch opens a channel on a calendar's events; the double POSTs an empty body to
 * the channel's address with Google's headers — X-Goog-Channel-ID, X-Goog-Channel-Token
 * (when the channel has one), X-Goog-Channel-Expiration, X-Goog-Resource-ID,
 * X-Goog-Resource-URI, X-Goog-Resource-State and X-Goog-Message-Number — first a `sync`
 * message when the channel opens, then `exists` after every change to the calendar's
 * events (made through the API or by hand), and `not_exists` when the calendar itself
 * is deleted. Channels live 7 days by default (at most 30), stop delivering once expired
 * on the double's clock, and end with channels.stop. Deliveries are not retried.
 */
export type ResourceState = "sync" | "exists" | "not_exists";

export type StoredChannel = {
  id: string;
  resourceId: string;
  resourceUri: string;
  calendarId: string;
  owner: string;
  address: string;
  token: string | null;
  /** Epoch ms. */
  expiration: number;
  createdAt: number;
  stopped: boolean;
  messageNumber: number;
};

export type GoogleNotification = {
  channelId: string;
  calendarId: string;
  state: ResourceState;
  messageNumber: number;
  address: string;
  /** Exactly what was sent (the body is always empty). */
  headers: Record<string, string>;
  /** The receiver's status, or null when it could not be reached (see error). */
  status: number | null;
  error: string | null;
};

export const CHANNEL_DEFAULT_TTL_MS = 7 * 86_400_000;
export const CHANNEL_MAX_TTL_MS = 30 * 86_400_000;

export class GoogleChannels {
  readonly channels = new Map<string, StoredChannel>();
  readonly notifications: GoogleNotification[] = [];
  private inFlight = new Set<Promise<GoogleNotification>>();
  private readonly salt = randomBytes(8).toString("hex");

  constructor(private readonly ctx: { store: CalendarStore; apiUrl: () => string; now: () => number; timeoutMs: number }) {}

  /** Google's resource id names the watched resource: the same for every channel on one calendar's events. */
  resourceId(calendar: StoredCalendar): string {
    return createHash("sha256").update(`${this.salt}:${calendar.id}:${calendar.resourceSalt}`).digest("base64url").slice(0, 27);
  }

  resourceUri(calendar: StoredCalendar): string {
    return `${this.ctx.apiUrl()}/calendar/v3/calendars/${encodeURIComponent(calendar.id)}/events?alt=json`;
  }

  open(calendar: StoredCalendar, input: { id: string; address: string; token?: string | null; expiration?: number | null }): StoredChannel {
    const now = this.ctx.now();
    const wanted = input.expiration ?? now + CHANNEL_DEFAULT_TTL_MS;
    const channel: StoredChannel = {
      id: input.id,
      resourceId: this.resourceId(calendar),
      resourceUri: this.resourceUri(calendar),
      calendarId: calendar.id,
      owner: calendar.owner,
      address: input.address,
      token: input.token ?? null,
      expiration: Math.min(Math.max(wanted, now), now + CHANNEL_MAX_TTL_MS),
      createdAt: now,
      stopped: false,
      messageNumber: 0,
    };
    this.channels.set(channel.id, channel);
    void this.send(channel, "sync");
    return channel;
  }

  active(channel: StoredChannel): boolean {
    return !channel.stopped && channel.expiration > this.ctx.now();
  }

  stop(id: string, resourceId: string): boolean {
    const channel = this.channels.get(id);
    if (!channel || channel.stopped || channel.resourceId !== resourceId) return false;
    channel.stopped = true;
    return true;
  }

  /** Tells every active channel on the calendar that its events changed. */
  notify(calendarId: string, state: Exclude<ResourceState, "sync"> = "exists"): Promise<GoogleNotification[]> {
    const targets = [...this.channels.values()].filter((c) => c.calendarId === calendarId && this.active(c));
    return Promise.all(targets.map((c) => this.send(c, state)));
  }

  /** Resolves when every notification sent so far has been answered (or failed). */
  async settled(): Promise<void> {
    while (this.inFlight.size) await Promise.allSettled([...this.inFlight]);
  }

  private send(channel: StoredChannel, state: ResourceState): Promise<GoogleNotification> {
    channel.messageNumber += 1;
    const headers: Record<string, string> = {
      "user-agent": "APIs-Google; (+https://developers.google.com/webmasters/APIs-Google.html)",
      "x-goog-channel-id": channel.id,
      "x-goog-channel-expiration": new Date(channel.expiration).toUTCString(),
      "x-goog-resource-id": channel.resourceId,
      "x-goog-resource-uri": channel.resourceUri,
      "x-goog-resource-state": state,
      "x-goog-message-number": String(channel.messageNumber),
    };
    if (channel.token !== null) headers["x-goog-channel-token"] = channel.token;
    const notification: GoogleNotification = { channelId: channel.id, calendarId: channel.calendarId, state, messageNumber: channel.messageNumber, address: channel.address, headers, status: null, error: null };
    const delivery = (async () => {
      try {
        const response = await fetch(channel.address, { method: "POST", headers, body: "", redirect: "manual", signal: AbortSignal.timeout(this.ctx.timeoutMs) });
        notification.status = response.status;
        await response.arrayBuffer();
      } catch (error) {
        const cause = (error as { cause?: { code?: string } }).cause?.code;
        notification.error = (error as Error).name === "TimeoutError" ? `timed out after ${this.ctx.timeoutMs} ms` : `${(error as Error).message}${cause ? ` (${cause})` : ""}`;
      }
      this.notifications.push(notification);
      return notification;
    })();
    this.inFlight.add(delivery);
    void delivery.finally(() => this.inFlight.delete(delivery));
    return delivery;
  }
}
