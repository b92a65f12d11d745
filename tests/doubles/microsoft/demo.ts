import { prng } from "../shared/demo-history";
import { type EventFields, eventDefaults, type MicrosoftData, type Recurrence } from "./data";

/**
 * The sandbox's demo calendars for `anchor` (default: now): three weeks (the anchor's week,
 * the one before and the one after) of a busy engineer's Outlook calendar — about 40 instances
 * per week in "Calendar" (a weekday stand-up series, weekly planning and 1:1 series, a Tuesday and
 * Thursday "Deep work" focus series in the Focus category, single meetings with attendees,
 * tentative and free ones, a private appointment, an all-day release day) and a few in a second
 * calendar, "Team events". Times are UTC; the content is deterministic for a given anchor week.
 */
const DAY = 86_400_000;
const HOUR = 3_600_000;

const MEETINGS = [
  "Design review: focus timer",
  "Sprint refinement",
  "Incident review",
  "Pairing: sync engine",
  "Customer call — ACME",
  "Architecture sync",
  "Hiring interview",
  "Roadmap Q&A",
  "Demo prep",
  "Security champions",
  "Docs review",
  "Data pipeline check-in",
];
const PEOPLE = [
  { name: "Bruno Costa", address: "bruno.costa@devpulse-sandbox.onmicrosoft.com" },
  { name: "Chen Wei", address: "chen.wei@devpulse-sandbox.onmicrosoft.com" },
  { name: "Dana Kim", address: "dana.kim@example.com" },
];

const base = (subject: string, startMs: number, endMs: number, extra: Partial<EventFields> = {}): EventFields => ({ ...eventDefaults(startMs, endMs), subject, ...extra });

const ymd = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** Monday 00:00 UTC of the week containing `ms`. */
export function mondayOf(ms: number): number {
  const day = Math.floor(ms / DAY) * DAY;
  return day - ((new Date(day).getUTCDay() + 6) % 7) * DAY;
}

export function seedMicrosoftDemo(data: MicrosoftData, people: { ana: string; bruno: string }, anchor: Date): { teamCalendarId: string } {
  const monday = mondayOf(anchor.getTime());
  const firstMonday = monday - 7 * DAY;
  const calendar = data.defaultCalendar(people.ana).id;
  const team = data.addCalendar(people.ana, { name: "Team events", color: "lightGreen", hexColor: "#87d28e" });
  const weekly = (days: string[], startDate: number): Recurrence => ({
    pattern: { type: "weekly", interval: 1, daysOfWeek: days, firstDayOfWeek: "sunday" },
    range: { type: "endDate", startDate: ymd(startDate), endDate: ymd(firstMonday + 21 * DAY - DAY), recurrenceTimeZone: "UTC" },
  });
  const at = (day: number, hours: number) => firstMonday + day * DAY + hours * HOUR;
  const team3 = PEOPLE.slice(0, 2).map((p) => ({ type: "required" as const, emailAddress: p }));

  data.createEvent(people.ana, calendar, { ...base("Daily stand-up", at(0, 9.5), at(0, 9.75), { attendees: team3, isOnlineMeeting: true }), recurrence: weekly(["monday", "tuesday", "wednesday", "thursday", "friday"], firstMonday) }, "user");
  data.createEvent(people.ana, calendar, { ...base("Weekly planning", at(0, 10), at(0, 11), { attendees: team3, location: "Room Orion" }), recurrence: weekly(["monday"], firstMonday) }, "user");
  data.createEvent(people.ana, calendar, { ...base("1:1 Ana / Bruno", at(2, 14), at(2, 14.5), { attendees: [{ type: "required", emailAddress: PEOPLE[0]! }] }), recurrence: weekly(["wednesday"], firstMonday + 2 * DAY) }, "user");
  data.createEvent(people.ana, calendar, { ...base("Deep work", at(1, 13), at(1, 15), { categories: ["Focus"], reminderMinutesBeforeStart: 0, isReminderOn: false }), recurrence: weekly(["tuesday", "thursday"], firstMonday + DAY) }, "user");

  for (let week = 0; week < 3; week++) {
    const next = prng(Math.floor((firstMonday + week * 7 * DAY) / DAY));
    for (let weekday = 0; weekday < 5; weekday++) {
      const day = week * 7 + weekday;
      const slots = [8, 11, 11.5, 12, 14.5, 15, 15.5, 16, 16.5];
      const count = 6;
      for (let i = 0; i < count; i++) {
        const hour = slots.splice(Math.floor(next() * slots.length), 1)[0]!;
        const minutes = next() < 0.6 ? 30 : 60;
        const subject = MEETINGS[Math.floor(next() * MEETINGS.length)]!;
        const roll = next();
        const extra: Partial<EventFields> =
          roll < 0.08 ? { showAs: "tentative" } : roll < 0.12 ? { showAs: "free" } : roll < 0.15 ? { sensitivity: "private" } : roll < 0.2 ? { showAs: "oof" } : {};
        const title = extra.sensitivity === "private" ? "Doctor appointment" : subject;
        data.createEvent(people.ana, calendar, base(title, at(day, hour), at(day, hour) + minutes * 60_000, { ...extra, attendees: extra.sensitivity ? [] : [{ type: next() < 0.7 ? "required" : "optional", emailAddress: PEOPLE[Math.floor(next() * PEOPLE.length)]! }], body: { contentType: "html", content: `<p>Agenda for ${title}</p>` } }), "user");
      }
    }
    data.createEvent(people.ana, calendar, base("Doctor appointment", at(week * 7 + 3, 7), at(week * 7 + 3, 8), { sensitivity: "private", showAs: "oof" }), "user");
    data.createEvent(people.ana, calendar, base("Release day", at(week * 7 + 4, 0), at(week * 7 + 5, 0), { isAllDay: true, showAs: "free" }), "user");
    data.createEvent(people.ana, team.id, base("All hands", at(week * 7 + 3, 16), at(week * 7 + 3, 17), { isOnlineMeeting: true }), "user");
    data.createEvent(people.ana, team.id, base("Team lunch", at(week * 7 + 4, 12), at(week * 7 + 4, 13), { showAs: "free", location: "Cantina" }), "user");
    data.createEvent(people.ana, team.id, base("Guild: TypeScript", at(week * 7 + 1, 16), at(week * 7 + 1, 17), { showAs: "tentative" }), "user");
  }
  // Bruno has a calendar of his own (for tests that user B sees none of A's events).
  data.createEvent(people.bruno, data.defaultCalendar(people.bruno).id, base("Bruno's dentist", at(7 + 2, 9), at(7 + 2, 10), { sensitivity: "private" }), "user");
  data.createEvent(people.bruno, data.defaultCalendar(people.bruno).id, base("Bruno: code review", at(7 + 3, 15), at(7 + 3, 16)), "user");
  return { teamCalendarId: team.id };
}
