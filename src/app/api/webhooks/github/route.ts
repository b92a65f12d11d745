import { handleWebhook } from "~/server/integrations/webhook-route";
import { receiveGitHubWebhook } from "~/server/integrations/webhooks";

export const dynamic = "force-dynamic";

export const POST = (request: Request) => handleWebhook("github", request, receiveGitHubWebhook);
