/**
 * Faults injected into the next matching requests: an HTTP answer the provider can
 * give (rate limits, 5xx, anything), or a network error (the socket is destroyed
 * before any byte of a response is written). Optional `delayMs` holds the request
 * first (to exercise client timeouts).
 */
export type FaultMatch = {
  /** Only requests with this method (any method when omitted). */
  method?: string;
  /**
   * A string matches the pathname exactly, either as received or as the API-relative
   * path (e.g. "/user/repos" for GitHub's "/api/v3/user/repos"). A RegExp is tested
   * against both. The query string is never part of the match.
   */
  path: RegExp | string;
  /** How many matching requests fail (default 1). */
  times?: number;
  delayMs?: number;
};

export type HttpFault = FaultMatch & {
  status: number;
  /** Merged over the double's usual headers for that answer (rate-limit headers…). */
  headers?: Record<string, string>;
  /** A string is sent as is; anything else as JSON. Omitted: the provider's usual body for that status. */
  body?: unknown;
};

export type NetworkFault = FaultMatch & { networkError: true };

export type FaultSpec = HttpFault | NetworkFault;

type Pending = { spec: FaultSpec; remaining: number };

export class FaultQueue {
  private pending: Pending[] = [];

  add(spec: FaultSpec): void {
    this.pending.push({ spec, remaining: spec.times ?? 1 });
  }

  /** The first pending fault matching this request, consumed by one. */
  take(method: string, path: string, apiPath?: string): FaultSpec | undefined {
    const candidates = apiPath && apiPath !== path ? [path, apiPath] : [path];
    const found = this.pending.find(({ spec }) => {
      if (spec.method && spec.method.toUpperCase() !== method) return false;
      return candidates.some((candidate) => (typeof spec.path === "string" ? spec.path === candidate : new RegExp(spec.path.source, spec.path.flags.replace("g", "")).test(candidate)));
    });
    if (!found) return undefined;
    found.remaining -= 1;
    if (found.remaining <= 0) this.pending.splice(this.pending.indexOf(found), 1);
    return found.spec;
  }

  /** Faults not yet consumed (times left summed). */
  get size(): number {
    return this.pending.reduce((sum, p) => sum + p.remaining, 0);
  }

  clear(): void {
    this.pending = [];
  }
}
