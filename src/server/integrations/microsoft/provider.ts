import { providerName } from "~/lib/providers";
import type { Env } from "../../env";
import { AppError } from "../../errors";
import type { CalendarEvent, CalendarProvider, CalendarWatch, ProviderSession } from "../provider";
import { ProviderError } from "../resilience";
import { callGraph, GONE, graphClient, graphPath, readPages, unlessGone } from "./api";
import { MICROSOFT, microsoftAuthorizeUrl, microsoftTokenUrl, microsoftWebUrl } from "./facts";
import {
  subscriptionExpiry,
  toAccount,
  toCalendarInfo,
  toCalendarNotification,
  toDeltaItem,
  toEventId,
  toGraphEvent,
  toGraphPatch,
  toSubscription,
} from "./transform";

const segment = encodeURIComponent;

/** What Graph answers calendarView/delta in: every time in UTC, pages of our size. */
const DELTA_PREFER = `odata.maxpagesize=${MICROSOFT.limits.pageSize}, outlook.timezone="UTC"`;

function isoInstant(value: string, name: string): string {
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw new AppError("BAD_REQUEST", `The sync window's ${name} ("${value}") is not a date-time.`);
  return new Date(ms).toISOString();
}

/** POST /subscriptions for one calendar's events; Graph first runs its validation handshake against `address`. */
async function subscribe(env: Env, session: ProviderSession, calendarId: string, target: { address: string; token: string; expiresAt: Date }): Promise<CalendarWatch> {
  if (target.token.length > MICROSOFT.limits.clientStateMaxLength) {
    throw new AppError("BAD_REQUEST", `A Microsoft Graph subscription's token (clientState) is at most ${MICROSOFT.limits.clientStateMaxLength} characters.`);
  }
  const body = {
    changeType: MICROSOFT.changeTypes,
    notificationUrl: target.address,
    lifecycleNotificationUrl: target.address,
    resource: `/me/calendars/${calendarId}/events`,
    expirationDateTime: subscriptionExpiry(target.expiresAt).toISOString(),
    clientState: target.token,
  };
  // Not retried: a create whose answer was lost may exist, and a second would notify twice until it expires.
  const subscription = toSubscription(await callGraph(() => graphClient(env, session.accessToken).api("/subscriptions").post(body), { retry: false }));
  return { id: subscription.id, resourceId: null, expiresAt: subscription.expiresAt };
}

async function unsubscribe(env: Env, session: ProviderSession, watch: CalendarWatch): Promise<void> {
  // An expired or removed subscription is as stopped as it gets.
  await callGraph(() => unlessGone([404], () => graphClient(env, session.accessToken).api(`/subscriptions/${segment(watch.id)}`).delete()), { retry: true });
}

/**
 * Microsoft 365 / Outlook calendars through Microsoft Graph v1.0, with
 * @microsoft/microsoft-graph-client against MICROSOFT_GRAPH_URL (api.ts says how and why).
 * Every request goes through the circuit breaker; a throttled one is rejected at once with its
 * retry time for the job to wait out. Graph has no focus-time event type: a focus block is a busy
 * event in the Focus category (kind "busyEvent").
 */
export const microsoft: CalendarProvider = {
  id: "microsoft",
  name: providerName("microsoft"),
  kind: "calendar",
  webUrl: microsoftWebUrl,

  configuration(env: Env) {
    const missing = (["MICROSOFT_CLIENT_ID", "MICROSOFT_CLIENT_SECRET"] as const).filter((name) => !env[name]);
    if (!env.MICROSOFT_CLIENT_ID || !env.MICROSOFT_CLIENT_SECRET) return { ok: false, missing };
    return {
      ok: true,
      oauth: {
        clientId: env.MICROSOFT_CLIENT_ID,
        clientSecret: env.MICROSOFT_CLIENT_SECRET,
        authorizeUrl: microsoftAuthorizeUrl(env),
        tokenUrl: microsoftTokenUrl(env),
        scopeSeparator: MICROSOFT.scopeSeparator,
        pkce: MICROSOFT.pkce,
        scopes: MICROSOFT.scopes,
      },
    };
  },

  async fetchAccount(env, accessToken) {
    const calendar = await callGraph(() => graphClient(env, accessToken).api("/me/calendar").get(), { retry: true });
    return toAccount(calendar);
  },

  async revoke() {
    // Deliberately nothing: the Microsoft identity platform has no endpoint that revokes one app's
    // delegated grant (revokeSignInSessions signs the person out of everything and needs more
    // scopes). The framework deletes our tokens regardless; the access token lapses within the
    // hour, and the person can remove the app's consent from their Microsoft account's apps page.
  },

  async listCalendars(env, session) {
    const pages = await readPages(env, graphClient(env, session.accessToken), { path: "/me/calendars" }, { what: "the calendar list" });
    if (pages === GONE) throw new ProviderError("microsoft", "bad_response", "Microsoft Graph refused to list calendars.");
    return pages.items.map(toCalendarInfo);
  },

  async syncEvents(env, session, calendarId, window, cursor) {
    // The cursor is the last round's @odata.deltaLink; one under another Graph URL cannot be used here.
    const path = cursor === null ? `/me/calendars/${segment(calendarId)}/calendarView/delta` : graphPath(env, cursor);
    if (path === null) return { expired: true };
    const query = cursor === null ? { startDateTime: isoInstant(window.from, "start"), endDateTime: isoInstant(window.to, "end") } : undefined;
    const pages = await readPages(env, graphClient(env, session.accessToken), { path, query }, { what: "the calendar's changes", prefer: DELTA_PREFER, gone: [MICROSOFT.errors.syncStateNotFound.status] });
    if (pages === GONE) return { expired: true };
    if (pages.deltaLink === null) throw new ProviderError("microsoft", "bad_response", "Microsoft Graph ended the calendar's changes without a delta link.");
    const events = new Map<string, CalendarEvent>();
    const removed = new Set<string>();
    for (const item of pages.items) {
      const change = toDeltaItem(calendarId, item);
      if ("removedId" in change) {
        events.delete(change.removedId);
        removed.add(change.removedId);
      } else if (change.event) {
        events.set(change.event.id, change.event);
        removed.delete(change.event.id);
      }
    }
    return { expired: false, full: cursor === null, events: [...events.values()], removedIds: [...removed], cursor: pages.deltaLink };
  },

  async createFocusBlock(env, session, calendarId, block) {
    const event = toGraphEvent(block);
    // Retried on a lost answer: the transactionId makes Graph return the event the first POST made.
    const created = await callGraph(() => graphClient(env, session.accessToken).api(`/me/calendars/${segment(calendarId)}/events`).post(event), { retry: true });
    return { eventId: toEventId(created), kind: "busyEvent" };
  },

  // Event ids are unique in the mailbox, so /me/events/{id} serves whatever calendar holds it.
  async updateFocusBlock(env, session, _calendarId, eventId, change) {
    const patch = toGraphPatch(change);
    if (Object.keys(patch).length === 0) return;
    await callGraph(() => graphClient(env, session.accessToken).api(`/me/events/${segment(eventId)}`).patch(patch), { retry: true });
  },

  async deleteFocusBlock(env, session, _calendarId, eventId) {
    await callGraph(() => unlessGone([MICROSOFT.errors.itemNotFound.status], () => graphClient(env, session.accessToken).api(`/me/events/${segment(eventId)}`).delete()), { retry: true });
  },

  watch: subscribe,

  async renewWatch(env, session, calendarId, watch, target) {
    const expirationDateTime = subscriptionExpiry(target.expiresAt).toISOString();
    const renewed = await callGraph(
      () => unlessGone([MICROSOFT.errors.subscriptionNotFound.status], () => graphClient(env, session.accessToken).api(`/subscriptions/${segment(watch.id)}`).patch({ expirationDateTime })),
      { retry: true },
    );
    if (renewed === GONE) return subscribe(env, session, calendarId, target);
    const subscription = toSubscription(renewed);
    const changed = (known: string | null, wanted: string) => known !== null && known !== wanted;
    if (changed(subscription.clientState, target.token) || changed(subscription.notificationUrl, target.address)) {
      // A PATCH cannot change clientState or lifecycleNotificationUrl: a new token or address needs a new subscription.
      const replacement = await subscribe(env, session, calendarId, target);
      // Best effort: an old subscription left behind expires by itself, and its deliveries carry the old token, which is refused.
      await unsubscribe(env, session, watch).catch(() => undefined);
      return replacement;
    }
    return { id: subscription.id, resourceId: null, expiresAt: subscription.expiresAt };
  },

  stopWatch: unsubscribe,

  parseNotification(_headers, url, body) {
    // Graph does not sign plain change notifications: the token (clientState) is what the calendar domain checks.
    return toCalendarNotification(url, body);
  },

  async declineEvent(env, session, _calendarId, eventId) {
    await callGraph(
      () => unlessGone([MICROSOFT.errors.itemNotFound.status], () => graphClient(env, session.accessToken).api(`/me/events/${segment(eventId)}/decline`).post({ sendResponse: true })),
      { retry: true },
    );
  },
};
