import { serveInngest, type InngestRouteArgs } from "~/server/jobs/serve";

export const dynamic = "force-dynamic";

export const GET = (...args: InngestRouteArgs) => serveInngest("GET", ...args);
export const POST = (...args: InngestRouteArgs) => serveInngest("POST", ...args);
export const PUT = (...args: InngestRouteArgs) => serveInngest("PUT", ...args);
