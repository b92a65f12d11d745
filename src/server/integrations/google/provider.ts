import { randomUUID } from "node:crypto";
import { providerName } from "~/lib/providers";
import type { Env } from "../../env";
import type { calendar_v3 } from "googleapis/build/src/apis/calendar";
import type { CalendarInfo, CalendarProvider, CalendarWatch } from "../provider";
import { ProviderError } from "../resilience";
import { type CalendarApi, calendarApi, callGoogle, callGoogleUnless, type GoogleRefusal, revokeGrant, statusIn } from "./api";
import { GOOGLE, googleOAuthBase, googleWebUrl } from "./facts";
import { declinedAttendees, focusBlockKind, googleEventId, toAccount, toCalendarInfo, toChanges, toFocusEvent, toFocusPatch, toNotification, toWatch } from "./transform";

const { duplicate, notFound, gone } = GOOGLE.statuses;
const alreadyGone = statusIn(notFound, gone);

/** A sync token Google no longer takes: expired or invalidated (410), or one it does not know (400 naming the syncToken parameter). */
const refusedSyncToken = (refusal: GoogleRefusal) =>
  refusal.status === GOOGLE.syncTokenRefused.expiredStatus || (refusal.status === 400 && refusal.location === GOOGLE.syncTokenRefused.invalidParameter);

async function watchCalendar(api: CalendarApi, calendarId: string, target: { address: string; token: string; expiresAt: Date }): Promise<CalendarWatch> {
  const requestBody = { id: randomUUID(), type: GOOGLE.channelType, address: target.address, token: target.token, expiration: String(target.expiresAt.getTime()) };
  const channel = await callGoogle(() => api.events.watch({ calendarId, requestBody }));
  return toWatch(channel.data, target.expiresAt);
}

async function stopChannel(api: CalendarApi, watch: CalendarWatch): Promise<void> {
  // Google names a channel by both ids; without the resource id there is nothing it could stop.
  const resourceId = watch.resourceId;
  if (resourceId === null) return;
  // A channel Google no longer knows (stopped, expired) is as stopped as it gets.
  await callGoogleUnless(() => api.channels.stop({ requestBody: { id: watch.id, resourceId } }), statusIn(notFound));
}

/**
 * Google Calendar with googleapis' Calendar v3 client against GOOGLE_API_URL, authorized by
 * the token the framework keeps fresh. Every call goes through the circuit breaker; a rate
 * limit is rejected with its retry time for the job to wait out (api.ts).
 */
export const google: CalendarProvider = {
  id: "google",
  name: providerName("google"),
  kind: "calendar",
  webUrl: googleWebUrl,

  configuration(env: Env) {
    const missing = (["GOOGLE_CLIENT_ID", "GOOGLE_CLIENT_SECRET"] as const).filter((name) => !env[name]);
    if (!env.GOOGLE_CLIENT_ID || !env.GOOGLE_CLIENT_SECRET) return { ok: false, missing };
    return {
      ok: true,
      oauth: {
        clientId: env.GOOGLE_CLIENT_ID,
        clientSecret: env.GOOGLE_CLIENT_SECRET,
        authorizeUrl: `${googleOAuthBase(env)}${GOOGLE.authorizePath}`,
        tokenUrl: env.GOOGLE_TOKEN_URL,
        scopes: GOOGLE.scopes,
        scopeSeparator: GOOGLE.scopeSeparator,
        pkce: GOOGLE.pkce,
        extraAuthorizeParams: GOOGLE.extraAuthorizeParams,
      },
    };
  },

  async fetchAccount(env, accessToken) {
    const api = await calendarApi(env, accessToken);
    const primary = await callGoogle(() => api.calendars.get({ calendarId: "primary" }));
    return toAccount(primary.data);
  },

  async revoke(env, tokens) {
    // The refresh token names the whole grant: revoking it ends every access token minted from it.
    await revokeGrant(env, tokens.refreshToken ?? tokens.accessToken);
  },

  async listCalendars(env, session) {
    const api = await calendarApi(env, session.accessToken);
    const calendars: CalendarInfo[] = [];
    let pageToken: string | undefined;
    do {
      const page = await callGoogle(() => api.calendarList.list({ maxResults: GOOGLE.limits.calendarsPageSize, pageToken }));
      calendars.push(...(page.data.items ?? []).map(toCalendarInfo));
      pageToken = page.data.nextPageToken ?? undefined;
    } while (pageToken);
    return calendars;
  },

  async syncEvents(env, session, calendarId, window, cursor) {
    const api = await calendarApi(env, session.accessToken);
    const full = cursor === null;
    // A sync token carries the first request's filters: Google refuses timeMin/timeMax beside it.
    const query = full ? { timeMin: window.from, timeMax: window.to } : { syncToken: cursor };
    const items: calendar_v3.Schema$Event[] = [];
    let pageToken: string | undefined;
    for (;;) {
      const page = await callGoogleUnless(
        () => api.events.list({ calendarId, singleEvents: true, maxResults: GOOGLE.limits.eventsPageSize, ...query, pageToken }),
        (refusal) => !full && refusedSyncToken(refusal),
      );
      if (!page.ok) return { expired: true };
      items.push(...(page.value.data.items ?? []));
      pageToken = page.value.data.nextPageToken ?? undefined;
      if (pageToken) continue;
      const next = page.value.data.nextSyncToken;
      if (!next) throw new ProviderError("google", "bad_response", "Google Calendar ended the event list without a sync token.");
      return { expired: false, full, ...toChanges(items, calendarId, window), cursor: next };
    }
  },

  async createFocusBlock(env, session, calendarId, block) {
    // The id is ours (from clientId), so a retried insert, ours or the client's after a lost answer, cannot make a second event.
    const api = await calendarApi(env, session.accessToken, { retryInserts: true });
    const eventId = googleEventId(block.clientId);
    const insert = (kind: "focusTime" | "busyEvent") =>
      callGoogleUnless(
        () => api.events.insert({ calendarId, requestBody: toFocusEvent(block, kind) }),
        (refusal) => refusal.status === duplicate || (kind === "focusTime" && refusal.status === GOOGLE.focusTimeRefused.status),
      );
    let kind: "focusTime" | "busyEvent" = "focusTime";
    let made = await insert(kind);
    if (!made.ok && made.refusal.status === GOOGLE.focusTimeRefused.status) {
      // No focusTime here (a consumer account, a secondary calendar): an opaque busy event stands in.
      kind = "busyEvent";
      made = await insert(kind);
    }
    if (made.ok) return { eventId: made.value.data.id ?? eventId, kind };
    // 409: an earlier attempt made it (its answer lost). A deleted event keeps its id too: it
    // reads as made, and the next sync reports it removed, as when the person deletes a block.
    const existing = await callGoogle(() => api.events.get({ calendarId, eventId }));
    return { eventId, kind: focusBlockKind(existing.data) };
  },

  async updateFocusBlock(env, session, calendarId, eventId, change) {
    const requestBody = toFocusPatch(change);
    if (requestBody === null) return;
    const api = await calendarApi(env, session.accessToken);
    await callGoogle(() => api.events.patch({ calendarId, eventId, requestBody }));
  },

  async deleteFocusBlock(env, session, calendarId, eventId) {
    const api = await calendarApi(env, session.accessToken);
    await callGoogleUnless(() => api.events.delete({ calendarId, eventId }), alreadyGone);
  },

  async watch(env, session, calendarId, target) {
    return watchCalendar(await calendarApi(env, session.accessToken), calendarId, target);
  },

  async renewWatch(env, session, calendarId, watch, target) {
    // A Google channel cannot be extended: open its successor first (no gap), then stop the old one.
    const api = await calendarApi(env, session.accessToken);
    const next = await watchCalendar(api, calendarId, target);
    // Best effort: an old channel left running expires on its own, and its deliveries name a watch the calendar domain no longer has.
    await stopChannel(api, watch).catch(() => undefined);
    return next;
  },

  async stopWatch(env, session, watch) {
    await stopChannel(await calendarApi(env, session.accessToken), watch);
  },

  parseNotification: (headers) => toNotification(headers),

  async declineEvent(env, session, calendarId, eventId) {
    const api = await calendarApi(env, session.accessToken);
    const found = await callGoogleUnless(() => api.events.get({ calendarId, eventId }), alreadyGone);
    if (!found.ok || found.value.data.status === "cancelled") return;
    // Only the person's own answer changes; an event they are not invited to (their own) has none to give.
    const attendees = declinedAttendees(found.value.data);
    if (attendees === null) return;
    await callGoogleUnless(() => api.events.patch({ calendarId, eventId, requestBody: { attendees } }), alreadyGone);
  },
};
