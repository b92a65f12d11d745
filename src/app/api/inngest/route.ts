import { getInngestClient } from "~/server/jobs/client";
import { createInngestEndpoint } from "~/server/jobs/serve";

export const dynamic = "force-dynamic";

type Endpoint = ReturnType<typeof createInngestEndpoint>;
let endpoint: Endpoint | undefined;

/** Built on first request, so `next build` never reads the environment. */
const inngestEndpoint = () => (endpoint ??= createInngestEndpoint(getInngestClient()));

export const GET = (...args: Parameters<Endpoint["GET"]>) => inngestEndpoint().GET(...args);
export const POST = (...args: Parameters<Endpoint["POST"]>) => inngestEndpoint().POST(...args);
export const PUT = (...args: Parameters<Endpoint["PUT"]>) => inngestEndpoint().PUT(...args);
