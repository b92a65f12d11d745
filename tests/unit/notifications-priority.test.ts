import { describe, expect, it } from "vitest";
import { byPriority, moreImportantThan, priorityOf, sharedPoints } from "~/server/notifications/priority";

/** The priority rules as pure functions (src/server/notifications/priority.ts); the integration tests show them at work. */

describe("notification priority", () => {
  it("orders a backlog most important first, first come first served within one priority", () => {
    const at = (minute: number) => new Date(Date.UTC(2026, 0, 12, 10, minute));
    const backlog = [
      { id: "low, first of all", priority: "low" as const, createdAt: at(1) },
      { id: "normal, second", priority: "normal" as const, createdAt: at(3) },
      { id: "normal, first", priority: "normal" as const, createdAt: at(2) },
      { id: "low, second", priority: "low" as const, createdAt: at(4) },
      { id: "urgent, last of all", priority: "urgent" as const, createdAt: at(5) },
    ];
    expect(backlog.sort(byPriority).map((notice) => notice.id)).toEqual(["urgent, last of all", "normal, first", "normal, second", "low, first of all", "low, second"]);
    expect([moreImportantThan("urgent"), moreImportantThan("normal"), moreImportantThan("low")]).toEqual([[], ["urgent"], ["urgent", "normal"]]);
    expect([priorityOf([{ priority: "low" }, { priority: "normal" }]), priorityOf([{ priority: "low" }])]).toEqual(["normal", "low"]);
  });

  it.each([1, 2, 3, 4, 5, 9, 10, 30, 600, 3000, 20_000])("shares an allowance of %i: urgent all of it, normal all but the urgent reserve, low at most half; each at least one", (points) => {
    const global = (priority: "urgent" | "normal" | "low") => sharedPoints(priority, points, { urgentReserve: true });
    const perUser = (priority: "normal" | "low") => sharedPoints(priority, points, { urgentReserve: false });
    expect(global("urgent")).toBe(points);
    expect(perUser("normal")).toBe(points);
    for (const share of [global("normal"), global("low"), perUser("low")]) expect(share).toBeGreaterThanOrEqual(1);
    expect(global("low")).toBeLessThanOrEqual(global("normal"));
    expect(perUser("low")).toBeLessThanOrEqual(Math.max(1, Math.ceil(points / 2)));
    // Where there is room for a reserve, at least a tenth of the ceiling stays free for urgent ones.
    if (points >= 2) expect(points - global("normal")).toBeGreaterThanOrEqual(points / 10);
  });
});
