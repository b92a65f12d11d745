import { describe, expect, it } from "vitest";
import { compareConflictVersions } from "~/components/conflicts/compare";
import type { Json } from "~/lib/merge";
import { alignVersions, upgradeValue, type Migrations } from "~/lib/sync/schema-versions";

type Obj = { [key: string]: Json };
/** 2 adds `tags`; 3 renames `name` to `title`. */
const STEPS: Migrations = {
  2: (v) => ({ ...(v as Obj), tags: [] }),
  3: (v) => {
    const { name, ...rest } = v as Obj;
    return { ...rest, title: name ?? null };
  },
};

describe("upgradeValue", () => {
  it("runs each step once, in order, on a copy", () => {
    const seen: number[] = [];
    const steps: Migrations = {
      3: (v) => (seen.push(3), STEPS[3]!(v)),
      2: (v) => {
        seen.push(2);
        (v as Obj).mutated = true; // a careless step cannot reach the caller's value
        return STEPS[2]!(v);
      },
    };
    const stored = { name: "DevPulse" };
    expect(upgradeValue(stored, 1, 3, steps)).toEqual({ mutated: true, tags: [], title: "DevPulse" });
    expect(seen).toEqual([2, 3]);
    expect(stored).toEqual({ name: "DevPulse" });
    expect(upgradeValue(undefined, 1, 3, steps)).toBeUndefined();
    expect(() => upgradeValue(stored, 1, 4, steps)).toThrow(/No migration from schema 1 to 4/);
  });
});

describe("alignVersions", () => {
  it("upgrades every side to the newest schema when it knows the steps", () => {
    const aligned = alignVersions(
      { base: { value: { name: "A" }, schemaVersion: 1 }, local: { value: { name: "B" }, schemaVersion: 1 }, remote: { value: { title: "A", tags: ["x"] }, schemaVersion: 3 } },
      { migrations: STEPS },
    );
    expect(aligned).toMatchObject({
      alignment: "upgraded",
      olderSide: "local",
      schemaVersion: 3,
      base: { title: "A", tags: [] },
      local: { title: "B", tags: [] },
      remote: { title: "A", tags: ["x"] },
    });
  });

  it("compares by name, as written, when a step is unknown (but brings the base to the local side's schema)", () => {
    const aligned = alignVersions(
      { base: { value: { name: "A" }, schemaVersion: 1 }, local: { value: { name: "A", tags: ["mine"] }, schemaVersion: 2 }, remote: { value: { title: "A" }, schemaVersion: 3 } },
      { migrations: { 2: STEPS[2]! }, atLeast: 2 },
    );
    expect(aligned).toMatchObject({ alignment: "by_name", olderSide: "local", schemaVersion: 3, base: { name: "A", tags: [] }, local: { name: "A", tags: ["mine"] }, remote: { title: "A" } });
  });
});

describe("the conflict page's comparison", () => {
  const versions = {
    base: { value: { name: "DevPulse", color: "red" }, schemaVersion: 1 },
    local: { value: { name: "DevPulse", color: "blue" }, schemaVersion: 1 },
    remote: { value: { title: "DevPulse", color: "red", tags: ["work"] }, schemaVersion: 3 },
  };

  it("shows an upgraded diff when the page knows the steps", () => {
    const comparison = compareConflictVersions("projects", versions, STEPS);
    expect(comparison.changes.map((c) => [c.path.join("."), c.kind])).toEqual([["color", "local_only"], ["tags", "remote_only"]]);
    expect(comparison.merge).toMatchObject({ clean: true, merged: { title: "DevPulse", color: "blue", tags: ["work"] } });
    expect(comparison.schemaNotice).toEqual({
      title: "This device's version came from an older app",
      text: "It was saved under schema 1; both versions are compared after upgrading it to schema 3.",
    });
    expect(comparison.keepMineDropsFields).toBe(true);
  });

  it("without the steps, compares by name and says one side came from an older app; the newer side's fields are kept", () => {
    const comparison = compareConflictVersions("projects", versions, {});
    expect(comparison.aligned.alignment).toBe("by_name");
    expect(comparison.schemaNotice?.title).toBe("This device's version came from an older app");
    expect(comparison.schemaNotice?.text).toMatch(/schema 1, the other under schema 3.*compared by name/);
    // fields only the newer app knows are kept; the older side's edit of a field it still has applies
    expect(comparison.merge).toMatchObject({ clean: true, merged: { title: "DevPulse", color: "blue", tags: ["work"] } });
    // an edit of a field the newer schema renamed is a conflict for a person, never a silent loss
    const renamed = compareConflictVersions("projects", { ...versions, local: { value: { name: "DevPulse Cloud", color: "red" }, schemaVersion: 1 } }, {});
    expect(renamed.merge.conflicts.map((c) => c.path.join("."))).toEqual(["name"]);
  });

  it("says nothing about schemas when both sides share one", () => {
    const same = { ...versions, remote: { value: { name: "DevPulse", color: "green" }, schemaVersion: 1 } };
    expect(compareConflictVersions("projects", same, {})).toMatchObject({ schemaNotice: null, keepMineDropsFields: false, aligned: { alignment: "same", olderSide: null } });
  });
});
