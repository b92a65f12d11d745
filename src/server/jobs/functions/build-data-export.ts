import { getDb } from "../../db/client";
import { buildExport, markExportFailed } from "../../privacy/export";
import { notifySafely } from "../../notifications/notify";
import { publishSafely } from "../../realtime/publisher";
import { defineJob, errorMessage } from "../define-job";

/** Builds a data export off the request path (large accounts take a while) and tells the user's open pages. */
export const buildDataExport = defineJob(
  {
    id: "build-data-export",
    name: "Build your data export",
    events: ["privacy/export.requested"],
    retries: 2,
    concurrency: { key: "event.data.userId", limit: 1 },
    onFailure: async ({ event, error }) => markExportFailed(await getDb(), event.data.exportId, errorMessage(error)),
  },
  async ({ event, step }) => {
    const built = await step.run("build-and-store", async () => buildExport(await getDb(), event.data.userId, event.data.exportId));
    // Null: the export passed its deadline meanwhile and the user was told it failed; nothing to announce.
    if (built) {
      await step.run("announce", () => publishSafely(event.data.userId, "privacy:export_ready", built));
      await step.run("notify", async () => {
        // Once per export: a retry of this step (the process died after notifying) is not a second notice.
        await notifySafely(await getDb(), event.data.userId, "account.export_ready", built, { onceKey: `export-ready:${built.exportId}` });
      });
    }
    return built;
  },
);
