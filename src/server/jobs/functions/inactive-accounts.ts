import { getDb } from "../../db/client";
import { getEnv } from "../../env";
import { accountsDueForInactivityReview, decideInactivity, deleteInactiveAccount, warnInactiveAccount } from "../../privacy/inactivity";
import { defineJob, fanOut } from "../define-job";

/** Daily: one review per account whose owner opted into deletion after inactivity and who has been away long enough. */
export const scheduleInactivityReviews = defineJob(
  { id: "schedule-inactivity-reviews", name: "Find inactive accounts to warn or delete", cron: "0 4 * * *", retries: 2 },
  async ({ step }) => {
    const accountIds = await step.run("find-inactive-accounts", async () => accountsDueForInactivityReview(await getDb()));
    return { accounts: await fanOut(step, "request-reviews", accountIds.map((accountId) => ({ name: "privacy/inactivity.review-requested", data: { accountId } }))) };
  },
);

/** Warns first (by mail, a month ahead), deletes only after the notice ran out without any use. */
export const reviewInactiveAccount = defineJob(
  {
    id: "review-inactive-account",
    name: "Warn or delete an account after a year of inactivity",
    events: ["privacy/inactivity.review-requested"],
    retries: 4,
    concurrency: { key: "event.data.accountId", limit: 1 },
  },
  async ({ event, step }) => {
    const { accountId } = event.data;
    const decision = await step.run("decide", async () => decideInactivity(await getDb(), getEnv(), accountId));
    if (decision.action === "warn") {
      const delivery = await step.run("send-warning", async () => warnInactiveAccount(await getDb(), getEnv(), accountId, decision.deletionDate));
      return { action: "warned", deletionDate: decision.deletionDate, via: delivery?.via ?? null };
    }
    if (decision.action === "delete") {
      const outcome = await step.run("delete-account", async () => deleteInactiveAccount(await getDb(), getEnv(), accountId));
      return outcome.deleted ? { action: "deleted" } : { action: "none", reason: "the account was used or changed since the review began" };
    }
    return { action: "none", reason: decision.reason };
  },
);
