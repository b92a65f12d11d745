import { serveInngest, type InngestRouteArgs } from "~/server/jobs/serve";
import { withBodyLimit } from "~/server/security/body-limits";

export const dynamic = "force-dynamic";

export const GET = withBodyLimit("noBody", (...args: InngestRouteArgs) => serveInngest("GET", ...args));
export const POST = withBodyLimit("inngest", (...args: InngestRouteArgs) => serveInngest("POST", ...args));
export const PUT = withBodyLimit("inngest", (...args: InngestRouteArgs) => serveInngest("PUT", ...args));
