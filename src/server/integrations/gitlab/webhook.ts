import { and, eq } from "drizzle-orm";
import { z } from "zod";
import type { DbOrTx } from "../../db/client";
import { integrationWebhooks } from "../../db/schema";
import type { Env } from "../../env";
import { webhookSecretFor } from "../webhook-secrets";
import { answerForClaim, claimDelivery, constantTimeEqual, MAX_PUSHED_COMMITS, toPushedCommit, ZPushedCommits, ZRepositoryPath, type WebhookOutcome } from "../webhooks";

const ZGitLabPush = z.object({
  object_kind: z.literal("push"),
  project: z.object({ path_with_namespace: ZRepositoryPath }),
  commits: ZPushedCommits,
});

/**
 * GitLab sends the hook's secret verbatim in X-Gitlab-Token: find which of our hooks
 * on that project it belongs to (several users may hook the same project), comparing
 * in constant time; deduplicate by X-Gitlab-Event-UUID.
 */
export async function receiveGitLabWebhook(db: DbOrTx, env: Env, headers: Headers, body: string): Promise<WebhookOutcome> {
  const token = headers.get("x-gitlab-token");
  const deliveryId = headers.get("x-gitlab-event-uuid");
  if (!token || !deliveryId) return { status: 400, body: { error: "Missing X-Gitlab-Token or X-Gitlab-Event-UUID" } };
  let payload: unknown;
  try {
    payload = JSON.parse(body);
  } catch {
    return { status: 400, body: { error: "Body is not JSON" } };
  }
  // Read before the token is checked, so validated like any input: no hook matches a path the database cannot hold.
  const repository = ZRepositoryPath.safeParse((payload as { project?: { path_with_namespace?: unknown } })?.project?.path_with_namespace).data;
  const hooks = repository !== undefined ? await db.select().from(integrationWebhooks).where(and(eq(integrationWebhooks.provider, "gitlab"), eq(integrationWebhooks.repository, repository))) : [];
  const hook = hooks.find((candidate) => constantTimeEqual(token, webhookSecretFor(env, candidate.integrationId)));
  if (!hook) return { status: 401, body: { error: "Invalid token" } };
  // GitLab gives every hook triggered by one push the same event UUID: deduplicate per hook's integration.
  const claimed = await claimDelivery(db, "gitlab", `${hook.integrationId}:${deliveryId}`);
  if (claimed.state !== "first") return answerForClaim(claimed.state);
  const { recorded } = claimed;
  const parsed = ZGitLabPush.safeParse(payload);
  if (!parsed.success) return { status: 202, body: { ignored: headers.get("x-gitlab-event") }, recorded };
  return {
    status: 202,
    body: { accepted: parsed.data.commits.length },
    recorded,
    event: {
      name: "git/push.received",
      data: {
        userId: hook.userId,
        provider: "gitlab",
        repository: parsed.data.project.path_with_namespace,
        commits: parsed.data.commits.slice(-MAX_PUSHED_COMMITS).map(toPushedCommit),
      },
    },
  };
}
