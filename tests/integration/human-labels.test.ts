import { describe, expect, it } from "vitest";
import { signedUpUser } from "../support/callers";

describe("the processing log speaks in human labels", () => {
  it("names collections and providers as the pages do, never by their keys", async () => {
    const { caller } = await signedUpUser("labels");
    await caller.privacy.recordConsent({ type: "integration:github", granted: true });
    await caller.privacy.deleteCollection({ collection: "focus_sessions" });
    const purposes = (await caller.privacy.processingLog({})).items.map((entry) => entry.purpose);
    expect(purposes).toContain("Record that you gave consent to the GitHub integration");
    expect(purposes).toContain("Delete the focus sessions the server held, as you asked");
    expect(purposes.join("\n")).not.toMatch(/focus_sessions|\bgithub\b/);
  }, 60_000); // the first test of a file also opens the database
});
