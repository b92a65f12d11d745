import { describe, expect, it } from "vitest";
import { layoutCrowdedDay, mondayOf, sideBySideLimit, weekFrom, type DayLayout, type Placed } from "~/components/calendar/week";

const zone = "America/New_York";
const week = weekFrom(zone, mondayOf(zone, Date.parse("2026-12-09T15:00:00Z")));
const tuesday = week.days[1]!;
const at = (time: string) => Date.parse(`2026-12-08T${time}:00-05:00`);

type Entry = { id: string; start: number; end: number; focusBlock?: boolean };
const entry = (id: string, from: string, to: string, focusBlock = false): Entry => ({ id, start: at(from), end: at(to), focusBlock });
const limits = { maxColumns: 3, takesPriority: (item: Entry) => item.focusBlock === true };

/** A Tuesday afternoon like the sandbox's busy week: eight meetings across two calendars around 14:00, and a focus block booked over them last. */
const busyAfternoon: Entry[] = [
  entry("standup", "13:00", "13:30"),
  entry("review", "13:15", "14:30"),
  entry("one-on-one", "13:30", "14:00"),
  entry("planning", "13:30", "15:00"),
  entry("interview", "14:00", "15:00"),
  entry("sync", "14:00", "14:30"),
  entry("office-hours", "14:00", "16:00"),
  entry("retro", "14:30", "15:30"),
  entry("focus", "13:30", "15:30", true),
];

const ids = (entries: readonly Placed<Entry>[]) => entries.map((placed) => placed.item.id).sort();
const shownWidth = (placed: Placed<Entry>) => placed.span / placed.columns;
const lastColumnOverlaps = (layout: DayLayout<Entry>) =>
  layout.placed.filter((placed) => placed.column + placed.span === placed.columns && layout.overflow.some((chip) => placed.top < chip.bottom && chip.top < placed.bottom));

describe("sideBySideLimit", () => {
  it("puts side by side only as many items as stay readable: 2 in a 1280 px screen's 130 px day, 3 at most", () => {
    expect([40, 130, 152, 190, 400].map((width) => sideBySideLimit(width))).toEqual([1, 2, 2, 3, 3]);
  });
});

describe.each([2, 3])("layoutCrowdedDay, at most %i side by side", (maxColumns) => {
  const layout = layoutCrowdedDay(zone, tuesday, busyAfternoon, { ...limits, maxColumns });

  it("keeps every item at least 1 / maxColumns of the day wide, however many overlap", () => {
    expect(layout.placed.length).toBeGreaterThan(0);
    for (const placed of layout.placed) expect(shownWidth(placed), placed.item.id).toBeGreaterThanOrEqual(1 / maxColumns);
    // What the grid drew before: the nine overlapping items split into six equal columns, each a sixth of the day wide.
    expect(Math.min(...layoutCrowdedDay(zone, tuesday, busyAfternoon).placed.map((placed) => 1 / placed.columns))).toBeLessThan(1 / maxColumns);
  });

  it("counts every item it has no room for in a '+N more', each item shown or counted exactly once", () => {
    const hidden = layout.overflow.flatMap((chip) => chip.items);
    expect(hidden.length).toBeGreaterThan(0);
    expect([...ids(layout.placed), ...ids(hidden)].sort()).toEqual(busyAfternoon.map((item) => item.id).sort());
    for (const chip of layout.overflow) {
      expect(chip).toMatchObject({ column: maxColumns - 1, columns: maxColumns });
      // The chip covers the time of everything in it.
      for (const item of chip.items) expect(chip.top <= item.top && item.bottom <= chip.bottom).toBe(true);
    }
  });

  it("draws nothing under a '+N more', and no two shown items over each other", () => {
    expect(lastColumnOverlaps(layout)).toEqual([]);
    for (const a of layout.placed) {
      for (const b of layout.placed) {
        if (a === b || !(a.top < b.bottom && b.top < a.bottom)) continue;
        const apart = a.column + a.span <= b.column || b.column + b.span <= a.column;
        expect(apart, `${a.item.id} and ${b.item.id}`).toBe(true);
      }
    }
  });

  it("gives the user's focus block the first column, even booked last over a full afternoon", () => {
    const focus = layout.placed.find((placed) => placed.item.id === "focus");
    expect(focus).toMatchObject({ column: 0, columns: maxColumns });
  });
});

describe("layoutCrowdedDay", () => {
  it("leaves a run that fits as it was, and stretches an item over the columns free beside it", () => {
    const quiet = [entry("long", "09:00", "12:00"), entry("a", "09:00", "09:30"), entry("b", "09:00", "09:30"), entry("later", "10:00", "11:00")];
    const placed = Object.fromEntries(layoutCrowdedDay(zone, tuesday, quiet, limits).placed.map((entry) => [entry.item.id, { column: entry.column, columns: entry.columns, span: entry.span }]));
    expect(placed).toEqual({
      long: { column: 0, columns: 3, span: 1 },
      a: { column: 1, columns: 3, span: 1 },
      b: { column: 2, columns: 3, span: 1 },
      later: { column: 1, columns: 3, span: 2 },
    });
    expect(layoutCrowdedDay(zone, tuesday, quiet, limits).overflow).toEqual([]);
  });

  it("makes one '+N more' per stretch of hidden time, not one for the whole day", () => {
    const twoBusyHours = ["09:00", "15:00"].flatMap((start, hour) =>
      Array.from({ length: 5 }, (_, index) => ({ id: `${hour}-${index}`, start: at(start), end: at(start) + 30 * 60_000 })),
    );
    const { placed, overflow } = layoutCrowdedDay(zone, tuesday, twoBusyHours, limits);
    expect(placed).toHaveLength(4);
    expect(overflow.map((chip) => ({ top: chip.top, bottom: chip.bottom, more: chip.items.length }))).toEqual([
      { top: 540, bottom: 570, more: 3 },
      { top: 900, bottom: 930, more: 3 },
    ]);
  });
});
