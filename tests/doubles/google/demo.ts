import { createHash } from "node:crypto";
import { prng, seedFrom } from "../shared/demo-history";
import type { CalendarStore, EventFields, StoredEvent } from "./calendar";
import { dayNumber, fromDayNumber, isoDate, rfc3339InZone, wallAt, wallToInstant } from "./time";

/**
 * The default demo data (also what the sandbox shows), fixed by `anchor`:
 *
 * - ana@devpulse.test (Ana Lima, Google Workspace, Europe/Lisbon): her primary calendar
 *   with about 40 events a week from two weeks before the anchor's week to two weeks after
 *   — a weekday stand-up, lunch (free), two recurring focusTime blocks, one-off meetings
 *   with attendees, a private appointment, an all-day event — and a "Team" calendar
 *   (planning, fortnightly retro, demo, pairing, reviews).
 * - bruno@gmail.com (Bruno Costa, consumer account: no focusTime) with a few events.
 */
export const DEMO_ACCOUNTS = [
  { email: "ana@devpulse.test", name: "Ana Lima", workspace: true, timeZone: "Europe/Lisbon" },
  { email: "bruno@gmail.com", name: "Bruno Costa", workspace: false, timeZone: "Europe/Lisbon" },
] as const;

const BASE32HEX = "0123456789abcdefghijklmnopqrstuv";
/** A stable base32hex event id for a seed key (so the demo's ids survive restarts). */
export const demoEventId = (key: string) => [...createHash("sha256").update(`google-demo:${key}`).digest()].slice(0, 26).map((b) => BASE32HEX[b % 32]).join("");

const MEETINGS = [
  "Design review: focus timer",
  "1:1 with Bruno",
  "Customer call — ACME",
  "Architecture sync",
  "Hiring interview",
  "Roadmap check-in",
  "Bug triage",
  "Payments API walkthrough",
  "Security review",
  "Coffee chat",
  "Release readiness",
  "Onboarding: new engineer",
  "Analytics deep dive",
  "Support escalation",
];
const PEOPLE = ["bruno@gmail.com", "mona@example.com", "joao@devpulse.test", "li@devpulse.test", "sam@acme.example"];

export type DemoSummary = { primary: string; team: string; consumerPrimary: string; weeks: number };

export function loadGoogleDemo(store: CalendarStore, anchor: Date): DemoSummary {
  const [ana, bruno] = DEMO_ACCOUNTS;
  for (const account of DEMO_ACCOUNTS) store.addAccount({ ...account });
  const team = store.addCalendar({ id: "c_7e4m5devpulseteam@group.calendar.google.com", owner: ana.email, summary: "Team", description: "DevPulse team rituals", colorId: "16" });
  const tz = ana.timeZone;
  const w = wallAt(anchor.getTime(), tz);
  const anchorDay = dayNumber(w.year, w.month, w.day);
  const monday = anchorDay - ((fromDayNumber(anchorDay).weekday + 6) % 7);
  const firstMonday = monday - 14;
  const at = (day: number, hour: number, minute = 0) => {
    const d = fromDayNumber(day);
    return wallToInstant({ year: d.year, month: d.month, day: d.day, hour, minute, second: 0 }, tz);
  };
  const timed = (ms: number) => ({ dateTime: rfc3339InZone(ms, tz), timeZone: tz });
  const until = (() => {
    const d = fromDayNumber(monday + 20);
    return `${d.year}${String(d.month).padStart(2, "0")}${String(d.day).padStart(2, "0")}T235959Z`;
  })();
  const add = (calendarId: string, key: string, fields: EventFields & { start: EventFields["start"]; end: EventFields["end"] }) =>
    store.put(calendarId, demoEventId(key), { ...fields, start: fields.start!, end: fields.end!, eventType: fields.eventType ?? "default", status: "confirmed" }, "seed");
  const recurring = (calendarId: string, key: string, summary: string, hour: number, minute: number, minutes: number, rule: string, extra: EventFields = {}) =>
    add(calendarId, key, { summary, start: timed(at(firstMonday, hour, minute)), end: timed(at(firstMonday, hour, minute) + minutes * 60_000), recurrence: [`RRULE:${rule};UNTIL=${until}`], ...extra });

  // ---- Ana's primary calendar: 12 recurring occurrences a week plus 28 one-off events
  recurring(ana.email, "standup", "Daily stand-up", 9, 30, 15, "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR", { attendees: [{ email: ana.email }, { email: "joao@devpulse.test" }, { email: "li@devpulse.test" }] });
  recurring(ana.email, "lunch", "Lunch", 12, 30, 60, "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR", { transparency: "transparent" });
  add(ana.email, "focus-tue-thu", {
    summary: "Focus time",
    start: timed(at(firstMonday + 1, 14)),
    end: timed(at(firstMonday + 1, 16)),
    recurrence: [`RRULE:FREQ=WEEKLY;BYDAY=TU,TH;UNTIL=${until}`],
    eventType: "focusTime",
    focusTimeProperties: { autoDeclineMode: "declineOnlyNewConflictingInvitations", chatStatus: "doNotDisturb", declineMessage: "Declined because I am in focus time." },
  });
  for (let week = 0; week < 5; week++) {
    const weekMonday = firstMonday + week * 7;
    const rand = prng(seedFrom(`google-demo:${isoDate(weekMonday)}`));
    for (let i = 0; i < 26; i++) {
      const day = weekMonday + Math.floor(rand() * 5);
      const slots = [8, 10, 11, 13.5, 14, 15, 16, 17];
      const slot = slots[Math.floor(rand() * slots.length)]!;
      const start = at(day, Math.floor(slot), slot % 1 ? 30 : 0);
      const minutes = [30, 30, 45, 60, 60, 90][Math.floor(rand() * 6)]!;
      const guests = PEOPLE.filter(() => rand() < 0.35);
      add(ana.email, `w${week}-m${i}`, {
        summary: MEETINGS[Math.floor(rand() * MEETINGS.length)],
        start: timed(start),
        end: timed(start + minutes * 60_000),
        ...(guests.length ? { attendees: [{ email: ana.email, organizer: true }, ...guests.map((email) => ({ email, responseStatus: rand() < 0.7 ? "accepted" : "needsAction" }))] } : {}),
        ...(rand() < 0.3 ? { location: "Meet" } : {}),
      });
    }
    const doctor = at(weekMonday + 2, 18);
    add(ana.email, `w${week}-private`, { summary: "Doctor appointment", visibility: "private", start: timed(doctor), end: timed(doctor + 45 * 60_000) });
    add(ana.email, `w${week}-allday`, { summary: week % 2 ? "Release day" : "Team offsite prep", start: { date: isoDate(weekMonday + 3) }, end: { date: isoDate(weekMonday + 4) }, transparency: "transparent" });
  }

  // ---- the Team calendar
  recurring(team.id, "planning", "Sprint planning", 10, 0, 60, "FREQ=WEEKLY;BYDAY=MO");
  recurring(team.id, "retro", "Retrospective", 15, 0, 60, "FREQ=WEEKLY;INTERVAL=2;BYDAY=FR");
  recurring(team.id, "demo", "Friday demo", 16, 30, 30, "FREQ=WEEKLY;BYDAY=FR");
  for (let week = 0; week < 5; week++) {
    const weekMonday = firstMonday + week * 7;
    const rand = prng(seedFrom(`google-demo:team:${isoDate(weekMonday)}`));
    for (let i = 0; i < 7; i++) {
      const day = weekMonday + Math.floor(rand() * 5);
      const start = at(day, 9 + Math.floor(rand() * 8));
      add(team.id, `team-w${week}-${i}`, { summary: ["Pairing: sync engine", "Incident review", "Code review hour", "Tech talk", "Backlog grooming"][Math.floor(rand() * 5)], start: timed(start), end: timed(start + 60 * 60_000) });
    }
  }

  // ---- Bruno (consumer account)
  recurring(bruno.email, "gym", "Gym", 7, 30, 60, "FREQ=WEEKLY;BYDAY=MO,WE,FR", { visibility: "private" });
  const call = at(monday + 1, 11);
  add(bruno.email, "bruno-call", { summary: "Call with Ana", start: timed(call), end: timed(call + 30 * 60_000), attendees: [{ email: bruno.email }, { email: ana.email }] });
  return { primary: ana.email, team: team.id, consumerPrimary: bruno.email, weeks: 5 };
}

export type { StoredEvent };
