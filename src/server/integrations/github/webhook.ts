import { createHmac } from "node:crypto";
import { and, eq } from "drizzle-orm";
import { z } from "zod";
import type { DbOrTx } from "../../db/client";
import { integrationWebhooks } from "../../db/schema";
import type { Env } from "../../env";
import { webhookSecretFor } from "../webhook-secrets";
import { answerForClaim, claimDelivery, constantTimeEqual, MAX_PUSHED_COMMITS, toPushedCommit, ZPushedCommits, ZRepositoryPath, type WebhookOutcome } from "../webhooks";

export function githubSignature(secret: string, body: string): string {
  return `sha256=${createHmac("sha256", secret).update(body, "utf8").digest("hex")}`;
}

const ZGitHubPush = z.object({
  repository: z.object({ full_name: ZRepositoryPath }),
  commits: ZPushedCommits,
});

/**
 * GitHub: the hook id names our webhook (and so the integration whose derived secret
 * signed it); the X-Hub-Signature-256 HMAC is checked in constant time; deliveries
 * are deduplicated by X-GitHub-Delivery; a push becomes a job event.
 */
export async function receiveGitHubWebhook(db: DbOrTx, env: Env, headers: Headers, body: string): Promise<WebhookOutcome> {
  const hookId = headers.get("x-github-hook-id");
  const deliveryId = headers.get("x-github-delivery");
  const signature = headers.get("x-hub-signature-256");
  if (!hookId || !deliveryId || !signature) return { status: 400, body: { error: "Missing X-GitHub-Hook-ID, X-GitHub-Delivery or X-Hub-Signature-256" } };
  const [hook] = await db.select().from(integrationWebhooks).where(and(eq(integrationWebhooks.provider, "github"), eq(integrationWebhooks.hookId, hookId)));
  if (!hook || !constantTimeEqual(signature, githubSignature(webhookSecretFor(env, hook.integrationId), body))) {
    return { status: 401, body: { error: "Invalid signature" } };
  }
  let payload: unknown;
  try {
    payload = JSON.parse(body);
  } catch {
    return { status: 400, body: { error: "Body is not JSON" } };
  }
  const claimed = await claimDelivery(db, "github", deliveryId);
  if (claimed.state !== "first") return answerForClaim(claimed.state);
  const { recorded } = claimed;
  const event = headers.get("x-github-event");
  if (event !== "push") return { status: 202, body: { ignored: event }, recorded };
  const parsed = ZGitHubPush.safeParse(payload);
  if (!parsed.success) return { status: 400, body: { error: "Not a push payload" }, recorded };
  return {
    status: 202,
    body: { accepted: parsed.data.commits.length },
    recorded,
    event: {
      name: "git/push.received",
      data: {
        userId: hook.userId,
        provider: "github",
        repository: parsed.data.repository.full_name,
        commits: parsed.data.commits.slice(-MAX_PUSHED_COMMITS).map(toPushedCommit),
      },
    },
  };
}
