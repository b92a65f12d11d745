import { handleWebhook } from "~/server/integrations/webhook-route";
import { receiveGitLabWebhook } from "~/server/integrations/webhooks";

export const dynamic = "force-dynamic";

export const POST = (request: Request) => handleWebhook("gitlab", request, receiveGitLabWebhook);
