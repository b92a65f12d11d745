import { hasMetricsToken } from "../auth/operator";
import type { Env } from "../env";
import { metrics } from "./registry";

/**
 * GET /api/metrics: the Prometheus text of this instance's registry. Off (404, as if
 * absent) unless METRICS_TOKEN is set; then only `Authorization: Bearer <token>` reads it.
 */
export async function metricsResponse(request: Request, env: Pick<Env, "METRICS_TOKEN">): Promise<Response> {
  if (!env.METRICS_TOKEN) return new Response("Not found\n", { status: 404 });
  if (!hasMetricsToken(request, env)) {
    return new Response("A valid metrics token is required (Authorization: Bearer <METRICS_TOKEN>)\n", {
      status: 401,
      headers: { "WWW-Authenticate": 'Bearer realm="metrics"' },
    });
  }
  return new Response(await metrics.register.metrics(), { headers: { "Content-Type": metrics.register.contentType, "Cache-Control": "no-store" } });
}
