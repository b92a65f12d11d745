/**
 * Commit ↔ activity correlation: which coding activity produced which commit.
 *
 * Activity periods are end-to-end encrypted, so this runs wherever they are decrypted —
 * the desktop SDK, the web page, or a tRPC endpoint that takes the periods in the
 * request and never stores them. It is a pure, isomorphic function: no I/O, no clock
 * (pass `now` for periods still running), no Node APIs.
 *
 *     const result = correlateCommitsWithActivity(periods, commits, {
 *       identities: { emails: ["me@example.com"], logins: ["octocat"] },
 *       projects: [{ id: "p1", path: "/home/me/code/devpulse", repository: "git@github.com:acme/devpulse.git" }],
 *     });
 *     result.commits[0].best?.score; // 0.9…
 *     result.commits[0].best?.reasons; // [{ code: "inside_period", … }, { code: "repository_match", via: "remote", … }, …]
 *
 * Scoring (details and the reasons for the weights in ./core.ts):
 *   score = time × repository × author, in [0, 1]
 *   time        1 inside the period, falling linearly to 0 at `afterWindowMinutes` after
 *               its end (default 30: commits come when work is done) and at
 *               `beforeWindowMinutes` before its start (default 5: clock and idle slack);
 *   repository  1 the project's remote is the repository, 0.9 same name (project folder
 *               or fork), 0.7 nothing to compare, 0.45 the folder is named differently,
 *               0.2 the project's remote is another repository;
 *   author      1 one of `identities`, 0.8 nothing to compare, 0.2 someone else.
 * Pairs below `minScore` (default 0.25) are dropped; each commit keeps its best
 * `maxMatchesPerCommit` periods (default 3), best first, ties broken by nearness in time
 * and then by the later-started period. Repository names are compared normalised
 * (case, `.git`, slashes, https/ssh/scp remote URLs → `owner/name`).
 *
 * Complexity: O((n + m) log(n + m)) for n periods and m commits, whatever the overlap
 * between periods: each commit examines at most 15 × maxMatchesPerCommit candidates,
 * found by binary search and a max-end segment tree (see "the interval index" in
 * ./core.ts). 10,000 × 10,000 takes 70–100 ms on a 2-CPU Xeon VM (bench/correlation.ts).
 *
 * Determinism: the result does not depend on the order of the inputs — commits come out
 * by time (then repository, sha), periods by start (then end, id).
 *
 * Trusted input only: validate anything from the network with `ZCorrelationInput` (or
 * the per-item schemas) first. The function itself validates `options` and throws
 * `CorrelationInputError` for unreadable dates and periods ending before they start.
 */
import { correlate, type CorrelationResult } from "./core";
import type { ActivityPeriod, CommitForCorrelation, CorrelationOptions } from "./schemas";

export function correlateCommitsWithActivity<P extends ActivityPeriod, C extends CommitForCorrelation>(
  periods: readonly P[],
  commits: readonly C[],
  options?: CorrelationOptions,
): CorrelationResult<P, C> {
  return correlate(periods, commits, options, "indexed");
}

/**
 * The same result by scoring every period against every commit: O(n · m). A reference
 * for tests and the benchmark; never use it on real data sizes.
 */
export function correlateCommitsWithActivityAllPairs<P extends ActivityPeriod, C extends CommitForCorrelation>(
  periods: readonly P[],
  commits: readonly C[],
  options?: CorrelationOptions,
): CorrelationResult<P, C> {
  return correlate(periods, commits, options, "all-pairs");
}

export { AUTHOR_FACTORS, CORRELATION_DEFAULTS, REPOSITORY_FACTORS, scoreCommitAgainstPeriod } from "./core";
export type {
  CommitCorrelation,
  CorrelationReason,
  CorrelationResult,
  CorrelationSettings,
  CorrelationSummary,
  PeriodCorrelation,
  PeriodMatch,
  Position,
  ReasonCode,
} from "./core";
export { CorrelationInputError, folderName, isoFromEpochMs, normalizeRepository, repositoryName } from "./normalize";
export {
  CORRELATION_LIMITS,
  ZActivityPeriod,
  ZCommitForCorrelation,
  ZCorrelationInput,
  ZCorrelationOptions,
  ZCorrelationProject,
} from "./schemas";
export type { ActivityPeriod, CommitForCorrelation, CorrelationInput, CorrelationOptions, CorrelationProject } from "./schemas";
