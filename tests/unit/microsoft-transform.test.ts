import { describe, expect, it } from "vitest";
import { AppError } from "~/server/errors";
import { ProviderError } from "~/server/integrations/resilience";
import { subscriptionExpiry, toCalendarEvent, toCalendarNotification, toDeltaItem, toPatternedRecurrence, wallClock } from "~/server/integrations/microsoft/transform";

// Graph's shapes → ours and ours → Graph's, on answers shaped like Graph v1.0's documented ones.
const MINUTE = 60_000;

const thrown = (run: () => unknown): unknown => {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error("expected a throw");
};

describe("toPatternedRecurrence (RFC 5545 RRULE → patternedRecurrence)", () => {
  const start = "2031-03-03T09:00:00+01:00"; // a Monday in Berlin

  it("weekdays with a count, in the block's zone; WKST defaults to Monday as in RFC 5545", () => {
    expect(toPatternedRecurrence("RRULE:FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR;COUNT=10", start, "Europe/Berlin")).toEqual({
      pattern: { type: "weekly", interval: 1, daysOfWeek: ["monday", "tuesday", "wednesday", "thursday", "friday"], firstDayOfWeek: "monday" },
      range: { type: "numbered", startDate: "2031-03-03", numberOfOccurrences: 10, recurrenceTimeZone: "Europe/Berlin" },
    });
  });

  it("every other day until a date; weekly without BYDAY repeats on the start's weekday in its zone", () => {
    expect(toPatternedRecurrence("FREQ=DAILY;INTERVAL=2;UNTIL=20310331", start, "Europe/Berlin")).toEqual({
      pattern: { type: "daily", interval: 2, firstDayOfWeek: "monday" },
      range: { type: "endDate", startDate: "2031-03-03", endDate: "2031-03-31", recurrenceTimeZone: "Europe/Berlin" },
    });
    // 23:30 UTC on Sunday is Monday morning in Tokyo; a UTC UNTIL becomes Tokyo's date.
    expect(toPatternedRecurrence("FREQ=WEEKLY;WKST=SU;UNTIL=20310330T230000Z", "2031-03-02T23:30:00Z", "Asia/Tokyo")).toEqual({
      pattern: { type: "weekly", interval: 1, daysOfWeek: ["monday"], firstDayOfWeek: "sunday" },
      range: { type: "endDate", startDate: "2031-03-03", endDate: "2031-03-31", recurrenceTimeZone: "Asia/Tokyo" },
    });
    expect(toPatternedRecurrence("FREQ=WEEKLY;BYDAY=MO", start, "UTC").range).toEqual({ type: "noEnd", startDate: "2031-03-03", recurrenceTimeZone: "UTC" });
  });

  it.each([
    ["FREQ=MONTHLY", /FREQ=MONTHLY is not supported/],
    ["FREQ=WEEKLY;BYDAY=1MO", /BYDAY=1MO is not a plain day/],
    ["FREQ=DAILY;BYDAY=MO", /BYDAY needs FREQ=WEEKLY/],
    ["FREQ=WEEKLY;BYSETPOS=1", /BYSETPOS has no Outlook equivalent/],
    ["FREQ=DAILY;COUNT=3;UNTIL=20310401", /COUNT and UNTIL/],
    ["FREQ=DAILY;INTERVAL=0", /INTERVAL/],
    ["FREQ=DAILY;FREQ=WEEKLY", /not a NAME=value part/],
    ["FREQ=DAILY;UNTIL=tomorrow", /UNTIL=TOMORROW/],
  ])("refuses %s with a message saying what is supported", (rule, why) => {
    const error = thrown(() => toPatternedRecurrence(rule, start, "Europe/Berlin"));
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe("BAD_REQUEST");
    expect((error as AppError).message).toMatch(why);
    expect((error as AppError).message).toContain("Supported: FREQ=DAILY or FREQ=WEEKLY");
  });

  it("wallClock: an instant as local time in a zone; an unknown zone is refused", () => {
    expect(wallClock("2031-07-01T07:00:00Z", "Europe/Berlin")).toBe("2031-07-01T09:00:00");
    expect(wallClock("2031-07-01T07:00:00Z", "UTC")).toBe("2031-07-01T07:00:00");
    expect(thrown(() => wallClock("2031-07-01T07:00:00Z", "Mars/Olympus"))).toBeInstanceOf(AppError);
  });
});

describe("toCalendarEvent (calendarView instances, times in UTC)", () => {
  const event = {
    id: "AAMkAD1",
    subject: "Sales sync",
    start: { dateTime: "2031-03-03T09:30:00.0000000", timeZone: "UTC" },
    end: { dateTime: "2031-03-03T10:15:00.1234567", timeZone: "UTC" },
    isAllDay: false,
    showAs: "workingElsewhere",
    sensitivity: "confidential",
    categories: ["focus"],
    seriesMasterId: "AAMkADmaster",
    type: "occurrence",
    isCancelled: false,
    responseStatus: { response: "accepted" },
    webLink: "https://outlook.office365.com/owa/?itemid=AAMkAD1",
    attendees: [{}, {}, {}],
  };

  it("reads Graph's seven fractional digits, busy, private, focus (any case), series and attendees", () => {
    expect(toCalendarEvent("cal", event)).toEqual({
      id: "AAMkAD1",
      calendarId: "cal",
      title: "Sales sync",
      start: "2031-03-03T09:30:00.000Z",
      end: "2031-03-03T10:15:00.123Z",
      allDay: false,
      busy: true,
      private: true,
      status: "confirmed",
      focusTime: true,
      seriesId: "AAMkADmaster",
      attendees: 3,
      url: "https://outlook.office365.com/owa/?itemid=AAMkAD1",
    });
  });

  it("status from isCancelled and the user's response; free is not busy; all-day spans whole UTC days", () => {
    expect(toCalendarEvent("cal", { ...event, isCancelled: true })?.status).toBe("cancelled");
    expect(toCalendarEvent("cal", { ...event, responseStatus: { response: "declined" } })?.status).toBe("cancelled");
    expect(toCalendarEvent("cal", { ...event, responseStatus: { response: "notResponded" } })?.status).toBe("tentative");
    expect(toCalendarEvent("cal", { ...event, responseStatus: { response: "tentativelyAccepted" } })?.status).toBe("tentative");
    expect(toCalendarEvent("cal", { ...event, showAs: "free", sensitivity: "personal", subject: null, attendees: undefined })).toMatchObject({ busy: false, private: false, title: null, attendees: 0 });
    const allDay = toCalendarEvent("cal", { ...event, isAllDay: true, start: { dateTime: "2031-03-05T00:00:00.0000000", timeZone: "W. Europe Standard Time" }, end: { dateTime: "2031-03-06T00:00:00.0000000", timeZone: "W. Europe Standard Time" } });
    expect(allDay).toMatchObject({ allDay: true, start: "2031-03-05T00:00:00.000Z", end: "2031-03-06T00:00:00.000Z" });
  });

  it("a time not in UTC (we ask for UTC) or a shape without times is a bad response; a series master is not an instance", () => {
    const local = thrown(() => toCalendarEvent("cal", { ...event, start: { dateTime: "2031-03-03T09:30:00", timeZone: "Pacific Standard Time" } }));
    expect(local).toBeInstanceOf(ProviderError);
    expect((local as ProviderError).kind).toBe("bad_response");
    expect(thrown(() => toCalendarEvent("cal", { id: "x" }))).toBeInstanceOf(ProviderError);
    expect(toCalendarEvent("cal", { ...event, type: "seriesMaster" })).toBeNull();
    expect(toDeltaItem("cal", { "@odata.type": "#microsoft.graph.event", id: "AAMkAD2", "@removed": { reason: "deleted" } })).toEqual({ removedId: "AAMkAD2" });
  });
});

describe("toCalendarNotification", () => {
  const url = new URL("https://app.example/api/webhooks/microsoft-calendar");

  it("a validationToken is a handshake answered with the token verbatim", () => {
    const handshake = new URL(url);
    handshake.searchParams.set("validationToken", "Validation: Testing client application reachability for subscription Request-Id: 7a1b");
    expect(toCalendarNotification(handshake, "")).toEqual({ kind: "handshake", answer: "Validation: Testing client application reachability for subscription Request-Id: 7a1b" });
    expect(toCalendarNotification(new URL(`${url.href}?validationToken=`), "")).toBeNull();
  });

  it("change and lifecycle notifications: one item per subscription, clientState as the token; an unknown lifecycle event is ignored", () => {
    const body = {
      value: [
        { subscriptionId: "s1", clientState: "tok-1", changeType: "updated", resource: "Users/u/Events/e", tenantId: "t" },
        { subscriptionId: "s2", clientState: "tok-2", lifecycleEvent: "reauthorizationRequired" },
        { subscriptionId: "s3", clientState: null, lifecycleEvent: "missed" },
        { subscriptionId: "s4", clientState: "tok-4", lifecycleEvent: "subscriptionRemoved" },
        { subscriptionId: "s5", clientState: "tok-5", lifecycleEvent: "constructor" },
      ],
    };
    expect(toCalendarNotification(url, JSON.stringify(body))).toEqual({
      kind: "notifications",
      items: [
        { watchId: "s1", token: "tok-1", signal: "sync" },
        { watchId: "s2", token: "tok-2", signal: "reauthorize" },
        { watchId: "s3", token: null, signal: "missed" },
        { watchId: "s4", token: "tok-4", signal: "removed" },
        { watchId: "s5", token: "tok-5", signal: "ignore" },
      ],
    });
  });

  it.each(["", "[]", "null", '{"value":"x"}', '{"value":[{"subscriptionId":""}]}', '{"value":[{"subscriptionId":"s\\u0000"}]}'])("%j is not a notification", (body) => {
    expect(toCalendarNotification(url, body)).toBeNull();
  });
});

describe("subscriptionExpiry", () => {
  it("keeps what the caller asks when Graph allows it, else Graph's longest lifetime less five minutes", () => {
    const now = Date.UTC(2031, 0, 1);
    expect(subscriptionExpiry(new Date(now + 60 * MINUTE), now)).toEqual(new Date(now + 60 * MINUTE));
    expect(subscriptionExpiry(new Date(now + 7 * 24 * 60 * MINUTE), now)).toEqual(new Date(now + 4225 * MINUTE));
  });
});
