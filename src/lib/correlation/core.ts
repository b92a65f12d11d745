/**
 * Commit ↔ activity correlation: the scoring and the two search strategies (the
 * interval index used in production, and the all-pairs scan kept as a reference for
 * tests and the benchmark). Pure and isomorphic. See ./index.ts for the overview.
 */
import {
  CorrelationInputError,
  folderName,
  isoFromEpochMs,
  judgeAuthor,
  normalizeIdentities,
  normalizeRepository,
  repositoryName,
  toEpochMs,
  type AuthorVerdict,
} from "./normalize";
import { ZCorrelationOptions, type ActivityPeriod, type CommitForCorrelation, type CorrelationOptions } from "./schemas";

export const CORRELATION_DEFAULTS = {
  afterWindowMinutes: 30,
  beforeWindowMinutes: 5,
  minScore: 0.25,
  maxMatchesPerCommit: 3,
} as const;

// ───────────────────────────── scoring ─────────────────────────────
//
// score = time × repository × author, each factor in [0, 1], clamped to [0, 1].
//
// WHY a product and not a weighted sum: time is NECESSARY evidence. A period three hours
// before a commit says nothing about it however well the repository matches, so a
// zero time factor must give a zero score; a weighted sum would still give it the
// repository's weight. The product also keeps the monotonicity the dashboard relies on
// (further away in time never scores higher) and needs no renormalisation.
//
// WHY these values: a commit inside a period of the same repository, authored by the
// user, is certain (1). Each missing signal costs a little (unknown: we cannot tell),
// each contradicting signal costs a lot (mismatch: we can tell, and it is not this).
// The default minScore (0.25) sits between them so that, inside a period:
//   - all signals unknown                0.7 × 0.8 = 0.56  → matched
//   - folder name differs, author ok     0.45             → matched (folders are often renamed clones)
//   - remote differs, or someone else's  ≤ 0.2            → not matched by default
// i.e. one contradiction from a reliable source (a git remote, the author's identity)
// is enough to keep a commit out of a period; lower minScore to see such pairs.

/** Repository ↔ project evidence, strongest first. */
export const REPOSITORY_FACTORS = {
  /** The project's git remote is the commit's repository. */
  remote_match: 1,
  /** Same repository NAME: the project folder is named like the repository, or its remote is a fork/mirror. */
  name_match: 0.9,
  /** The period has no project folder or remote: nothing to compare. */
  unknown: 0.7,
  /** Only a folder to compare and it is named differently: weak, clones are often renamed. */
  folder_mismatch: 0.45,
  /** The project's remote is another repository: the user was working on something else. */
  remote_mismatch: 0.2,
} as const;

/** Author ↔ the user's identities. Per commit: it scales all of a commit's periods alike. */
export const AUTHOR_FACTORS = {
  match: 1,
  /** No identities were given, or the commit carries nothing comparable. */
  unknown: 0.8,
  /** Someone else's commit (a teammate's push into a shared repository). */
  mismatch: 0.2,
} as const;

export type CorrelationReason =
  | { code: "inside_period"; text: string }
  | { code: "after_period"; minutes: number; text: string }
  | { code: "before_period"; minutes: number; text: string }
  | { code: "repository_match"; via: "remote" | "remote_name" | "folder"; text: string }
  | { code: "repository_mismatch"; via: "remote" | "folder"; project: string; text: string }
  | { code: "repository_unknown"; text: string }
  | { code: "author_match"; via: "email" | "login" | "name"; text: string }
  | { code: "author_mismatch"; text: string }
  | { code: "author_unknown"; text: string };

export type ReasonCode = CorrelationReason["code"];
export type Position = "inside" | "after" | "before";

export interface PeriodMatch {
  periodId: string;
  /** In [0, 1]: time × repository × author (see `factors`). */
  score: number;
  /** Where the commit falls: inside the period, after its end, or before its start. */
  position: Position;
  /** Minutes between the commit and the period (0 inside). */
  minutes: number;
  factors: { time: number; repository: number; author: number };
  /** Machine-readable codes with an English sentence each: time, then repository, then author. */
  reasons: CorrelationReason[];
}

export interface CommitCorrelation<C> {
  /** The commit as passed in (extra fields included). */
  commit: C;
  sha: string;
  /** The repository normalised (owner/name, lower case). */
  repository: string;
  /** committedAt in UTC. */
  committedAt: string;
  /** matches[0], or null when no period scores at least minScore. */
  best: PeriodMatch | null;
  /** The best periods, best first, at most maxMatchesPerCommit. */
  matches: PeriodMatch[];
}

export interface PeriodCorrelation<P> {
  /** The period as passed in. */
  period: P;
  periodId: string;
  start: string;
  /** The end used: `now` (or start) for a period that is still running. */
  end: string;
  open: boolean;
  durationMinutes: number;
  /** Commits whose BEST match is this period (each commit counts for one period at most). */
  commitCount: number;
  commits: Array<{ sha: string; repository: string; score: number }>;
}

export interface CorrelationSummary {
  commits: number;
  matched: number;
  unmatched: number;
  periods: number;
  periodsWithCommits: number;
  /** Minutes covered by at least one period (overlaps counted once). */
  activeMinutes: number;
  /** Matched commits per hour of activity; null without activity. */
  commitsPerActiveHour: number | null;
  /** Mean score of the matched commits' best matches; null when none matched. */
  averageBestScore: number | null;
  /** Where matched commits fall relative to their best period. */
  byPosition: Record<Position, number>;
}

export interface CorrelationSettings {
  afterWindowMinutes: number;
  beforeWindowMinutes: number;
  minScore: number;
  maxMatchesPerCommit: number;
}

export interface CorrelationResult<P, C> {
  /** One entry per commit, by committedAt, then repository and sha. */
  commits: Array<CommitCorrelation<C>>;
  /** One entry per period, by start, then end and id. */
  periods: Array<PeriodCorrelation<P>>;
  summary: CorrelationSummary;
  /** The options in effect, defaults filled in. */
  settings: CorrelationSettings;
}

// ───────────────────────────── preparation ─────────────────────────────

const enum RepoKind {
  RemoteMatch,
  RemoteNameMatch,
  FolderMatch,
  Unknown,
  FolderMismatch,
  RemoteMismatch,
}

const REPO_FACTOR_BY_KIND: readonly number[] = [
  REPOSITORY_FACTORS.remote_match,
  REPOSITORY_FACTORS.name_match,
  REPOSITORY_FACTORS.name_match,
  REPOSITORY_FACTORS.unknown,
  REPOSITORY_FACTORS.folder_mismatch,
  REPOSITORY_FACTORS.remote_mismatch,
];

interface PreparedPeriod<P> {
  source: P;
  id: string;
  start: number;
  end: number;
  open: boolean;
  /** Normalised remote (owner/name) of the period or its project. */
  remote: string | undefined;
  remoteName: string | undefined;
  /** Lower-case folder name of the period's or its project's path. */
  folder: string | undefined;
}

interface PreparedCommit<C> {
  source: C;
  time: number;
  repository: string;
  name: string;
  sha: string;
  author: AuthorVerdict;
  authorFactor: number;
}

interface Context {
  after: number;
  before: number;
  minScore: number;
  k: number;
}

const MINUTE = 60_000;
const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * The total order T on periods used for every tie: later start first (the most recently
 * started of several periods containing a commit is the most specific), then earlier
 * end, then id, then the hints. Periods equal under T are identical for scoring.
 */
function comparePeriods(a: PreparedPeriod<unknown>, b: PreparedPeriod<unknown>): number {
  return (
    b.start - a.start ||
    a.end - b.end ||
    cmp(a.id, b.id) ||
    Number(a.open) - Number(b.open) ||
    cmp(a.remote ?? "", b.remote ?? "") ||
    cmp(a.folder ?? "", b.folder ?? "")
  );
}

function compareCommits(a: PreparedCommit<CommitForCorrelation>, b: PreparedCommit<CommitForCorrelation>): number {
  const x = a.source;
  const y = b.source;
  return (
    a.time - b.time ||
    cmp(a.repository, b.repository) ||
    cmp(a.sha, b.sha) ||
    cmp(x.authorEmail ?? "", y.authorEmail ?? "") ||
    cmp(x.authorName ?? "", y.authorName ?? "") ||
    cmp(x.authorLogin ?? "", y.authorLogin ?? "") ||
    cmp(x.repository, y.repository) ||
    cmp(x.sha, y.sha)
  );
}

function resolveOptions(options: CorrelationOptions | undefined) {
  const parsed = ZCorrelationOptions.parse(options ?? {});
  const settings: CorrelationSettings = {
    afterWindowMinutes: parsed.afterWindowMinutes ?? CORRELATION_DEFAULTS.afterWindowMinutes,
    beforeWindowMinutes: parsed.beforeWindowMinutes ?? CORRELATION_DEFAULTS.beforeWindowMinutes,
    minScore: parsed.minScore ?? CORRELATION_DEFAULTS.minScore,
    maxMatchesPerCommit: parsed.maxMatchesPerCommit ?? CORRELATION_DEFAULTS.maxMatchesPerCommit,
  };
  const memo = new Map<string, string>();
  const normalize = (raw: string) => {
    let value = memo.get(raw);
    if (value === undefined) memo.set(raw, (value = normalizeRepository(raw)));
    return value;
  };
  const projects = new Map<string, { remote: string | undefined; folder: string | undefined }>();
  for (const project of parsed.projects ?? []) {
    projects.set(project.id, { remote: project.repository ? normalize(project.repository) || undefined : undefined, folder: project.path ? folderName(project.path) : undefined });
  }
  return {
    settings,
    context: { after: settings.afterWindowMinutes * MINUTE, before: settings.beforeWindowMinutes * MINUTE, minScore: settings.minScore, k: settings.maxMatchesPerCommit } satisfies Context,
    identities: normalizeIdentities(parsed.identities),
    now: parsed.now === undefined ? undefined : toEpochMs(parsed.now, "options.now"),
    projects,
    normalize,
  };
}

type Resolved = ReturnType<typeof resolveOptions>;

function preparePeriod<P extends ActivityPeriod>(period: P, index: number, resolved: Resolved): PreparedPeriod<P> {
  const label = typeof period?.id === "string" ? `period ${JSON.stringify(period.id)}` : `periods[${index}]`;
  if (typeof period?.id !== "string") throw new CorrelationInputError(`${label} has no id`);
  const start = toEpochMs(period.start, `start of ${label}`);
  const open = period.end === undefined || period.end === null;
  const end = open ? Math.max(start, resolved.now ?? start) : toEpochMs(period.end, `end of ${label}`);
  if (end < start) throw new CorrelationInputError(`end of ${label} is before its start`);
  const project = period.projectId === undefined ? undefined : resolved.projects.get(period.projectId);
  const remote = (period.repository ? resolved.normalize(period.repository) : project?.remote) || undefined;
  const folder = (period.projectPath ? folderName(period.projectPath) : project?.folder) || undefined;
  return { source: period, id: period.id, start, end, open, remote, remoteName: remote === undefined ? undefined : repositoryName(remote), folder };
}

function prepareCommit<C extends CommitForCorrelation>(commit: C, index: number, resolved: Resolved): PreparedCommit<C> {
  if (typeof commit?.sha !== "string" || typeof commit.repository !== "string") {
    throw new CorrelationInputError(`commits[${index}] needs a sha and a repository`);
  }
  const time = toEpochMs(commit.committedAt, `committedAt of commit ${commit.sha}`);
  const repository = resolved.normalize(commit.repository);
  const author = judgeAuthor(commit, resolved.identities);
  return { source: commit, time, repository, name: repositoryName(repository), sha: commit.sha.toLowerCase(), author, authorFactor: AUTHOR_FACTORS[author.status] };
}

function repoKind(p: PreparedPeriod<unknown>, c: PreparedCommit<unknown>): RepoKind {
  if (p.remote !== undefined) {
    if (p.remote === c.repository) return RepoKind.RemoteMatch;
    if (p.remoteName === c.name) return RepoKind.RemoteNameMatch;
    if (p.folder === c.name) return RepoKind.FolderMatch;
    return RepoKind.RemoteMismatch;
  }
  if (p.folder !== undefined) return p.folder === c.name ? RepoKind.FolderMatch : RepoKind.FolderMismatch;
  return RepoKind.Unknown;
}

/** Time factor: 1 inside [start, end], falling linearly to 0 at the edge of the window after the end / before the start. */
function timeFactor(distance: number, window: number): number {
  return distance < window ? 1 - distance / window : 0;
}

interface Scored {
  index: number;
  score: number;
  time: number;
  distance: number;
  position: Position;
  kind: RepoKind;
}

function scorePair(p: PreparedPeriod<unknown>, index: number, c: PreparedCommit<unknown>, ctx: Context): Scored | undefined {
  const t = c.time;
  let position: Position;
  let distance: number;
  let time: number;
  if (t < p.start) {
    position = "before";
    distance = p.start - t;
    time = timeFactor(distance, ctx.before);
  } else if (t > p.end) {
    position = "after";
    distance = t - p.end;
    time = timeFactor(distance, ctx.after);
  } else {
    position = "inside";
    distance = 0;
    time = 1;
  }
  if (!(time > 0)) return undefined;
  const kind = repoKind(p, c);
  const score = Math.min(1, Math.max(0, time * REPO_FACTOR_BY_KIND[kind]! * c.authorFactor));
  return { index, score, time, distance, position, kind };
}

/** Final ranking: score, then nearer in time, then the period order T (index = rank in T). */
const byRank = (a: Scored, b: Scored) => b.score - a.score || a.distance - b.distance || a.index - b.index;

// ───────────────────────────── the interval index ─────────────────────────────
//
// For a commit at t, the candidate periods are those whose window [start − before,
// end + after] contains t, in three disjoint cases:
//   inside  start ≤ t ≤ end         time factor 1
//   after   end < t < end + after   time factor falls as t − end grows
//   before  t < start < t + before  time factor falls as start − t grows
// Any number of periods can be candidates (overlapping periods, a day-long period under
// many short ones), but only the best k per commit are kept, and they can be found
// without looking at the others. Why: take a set S of periods whose repository factors
// are all ≥ f, and a period p in S whose factor is exactly f. Any q in S that comes
// before p in one case's time order (nearer to t, or as near and earlier in order T) has
// time(q) ≥ time(p) and factor(q) ≥ f, so score(q) ≥ score(p) (floating-point products
// are monotone too), and with the final tie-breaks (nearer, then order T) q ranks above
// p. So if p is among the best k overall, it is among the first k of S in that order.
// The index keeps groups chosen so that every repository class c lives in a group whose
// members all have factor ≥ f(c):
//   exact[remote]  periods with that remote             (class remote_match,    f = 1)
//   name[name]     periods whose remote or folder name  (class name_match,      f ≥ 0.9)
//   folderOnly     periods with a folder and no remote  (class folder_mismatch, f ≥ 0.45)
//   unknown        periods with neither                 (class unknown,         f = 0.7)
//   all            every period                         (class remote_mismatch, f ≥ 0.2)
// and for a commit takes the first k of each of its five groups in each case's order:
//   after   binary search in the group's periods by end (descending), walk k:  O(log n + k)
//   before  binary search in the group's periods by start (ascending), walk k: O(log n + k)
//   inside  the group's periods in order T (start descending) from the first that starts
//           by t: the leftmost k with end ≥ t, in a max-end segment tree:    O((k + 1) log n)
// So each commit scores at most 5 × 3 × k candidates (45 for the default k = 3) whatever
// the overlap. Building: one sort by end and one by start over all periods; each group's
// lists are subsequences of those orders (a period is in at most four groups, so the
// index is O(n) in size). The whole call: O(n log n + m log m + m · k log n), i.e.
// O((n + m) log(n + m)) for bounded k (maxMatchesPerCommit ≤ 10). The property tests
// check the result equals the all-pairs scan's, ties included.

interface Group {
  /** Member ranks in order T (start descending), with their starts, and a max-end segment tree. */
  inOrder: Int32Array;
  startsDesc: Float64Array;
  leaves: number;
  maxEnd: Float64Array;
  /** Members by end descending (ties in order T), with their ends. */
  byEnd: Int32Array;
  endsDesc: Float64Array;
  /** Members by start ascending (ties in order T), with their starts. */
  byStart: Int32Array;
  startsAsc: Float64Array;
}

/** A group's members in the three orders, filled by PeriodIndex from the global orders. */
class GroupBuilder {
  readonly inOrder: number[] = [];
  readonly byEnd: number[] = [];
  readonly byStart: number[] = [];

  build(starts: Float64Array, ends: Float64Array): Group {
    const n = this.inOrder.length;
    const inOrder = Int32Array.from(this.inOrder);
    const startsDesc = new Float64Array(n);
    let leaves = 1;
    while (leaves < n) leaves *= 2;
    const maxEnd = new Float64Array(2 * leaves).fill(-Infinity);
    for (let i = 0; i < n; i++) {
      const rank = inOrder[i]!;
      startsDesc[i] = starts[rank]!;
      maxEnd[leaves + i] = ends[rank]!;
    }
    for (let node = leaves - 1; node >= 1; node--) maxEnd[node] = Math.max(maxEnd[2 * node]!, maxEnd[2 * node + 1]!);
    const byEnd = Int32Array.from(this.byEnd);
    const byStart = Int32Array.from(this.byStart);
    const endsDesc = new Float64Array(n);
    const startsAsc = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      endsDesc[i] = ends[byEnd[i]!]!;
      startsAsc[i] = starts[byStart[i]!]!;
    }
    return { inOrder, startsDesc, leaves, maxEnd, byEnd, endsDesc, byStart, startsAsc };
  }
}

class PeriodIndex {
  private readonly all: Group;
  private readonly unknown: Group | undefined;
  private readonly folderOnly: Group | undefined;
  private readonly exact = new Map<string, Group>();
  private readonly named = new Map<string, Group>();
  private readonly seen: Int32Array;
  private stamp = 0;
  private readonly stack: number[] = [];

  /** `periods` in order T: rank = index. */
  constructor(periods: ReadonlyArray<PreparedPeriod<unknown>>) {
    const n = periods.length;
    const starts = Float64Array.from(periods, (p) => p.start);
    const ends = Float64Array.from(periods, (p) => p.end);
    const all = new GroupBuilder();
    const unknown = new GroupBuilder();
    const folderOnly = new GroupBuilder();
    const exact = new Map<string, GroupBuilder>();
    const named = new Map<string, GroupBuilder>();
    const builder = (map: Map<string, GroupBuilder>, key: string) => {
      let group = map.get(key);
      if (!group) map.set(key, (group = new GroupBuilder()));
      return group;
    };
    const membership = periods.map((p): GroupBuilder[] => {
      if (p.remote !== undefined) {
        const groups = [all, builder(exact, p.remote), builder(named, p.remoteName!)];
        if (p.folder !== undefined && p.folder !== p.remoteName) groups.push(builder(named, p.folder));
        return groups;
      }
      if (p.folder !== undefined) return [all, folderOnly, builder(named, p.folder)];
      return [all, unknown];
    });
    // Sort once; each group's lists are subsequences of the global orders, so already sorted.
    const ranks = Array.from({ length: n }, (_, rank) => rank);
    const byEnd = [...ranks].sort((a, b) => ends[b]! - ends[a]! || a - b);
    const byStart = ranks.sort((a, b) => starts[a]! - starts[b]! || a - b);
    for (let rank = 0; rank < n; rank++) for (const group of membership[rank]!) group.inOrder.push(rank);
    for (const rank of byEnd) for (const group of membership[rank]!) group.byEnd.push(rank);
    for (const rank of byStart) for (const group of membership[rank]!) group.byStart.push(rank);

    this.all = all.build(starts, ends);
    this.unknown = unknown.inOrder.length ? unknown.build(starts, ends) : undefined;
    this.folderOnly = folderOnly.inOrder.length ? folderOnly.build(starts, ends) : undefined;
    for (const [key, group] of exact) this.exact.set(key, group.build(starts, ends));
    for (const [key, group] of named) this.named.set(key, group.build(starts, ends));
    this.seen = new Int32Array(n).fill(-1);
  }

  /** Ranks of the candidate periods for a commit: a superset of its best k, at most 15k. */
  candidates(c: PreparedCommit<unknown>, ctx: Context): number[] {
    const out: number[] = [];
    const stamp = this.stamp++;
    for (const group of [this.exact.get(c.repository), this.named.get(c.name), this.folderOnly, this.unknown, this.all]) {
      if (group && group.inOrder.length > 0) this.collect(group, c.time, ctx, out, stamp);
    }
    return out;
  }

  private emit(rank: number, out: number[], stamp: number) {
    if (this.seen[rank] !== stamp) {
      this.seen[rank] = stamp;
      out.push(rank);
    }
  }

  private collect(g: Group, t: number, ctx: Context, out: number[], stamp: number) {
    const n = g.inOrder.length;
    const k = ctx.k;

    // inside: among members starting by t (a suffix in order T), the leftmost k with end ≥ t.
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (g.startsDesc[mid]! <= t) hi = mid;
      else lo = mid + 1;
    }
    const from = lo;
    if (from < n && g.maxEnd[1]! >= t) {
      const stack = this.stack;
      stack.length = 0;
      stack.push(1, 0, g.leaves);
      let found = 0;
      while (stack.length > 0 && found < k) {
        const nodeHi = stack.pop()!;
        const nodeLo = stack.pop()!;
        const node = stack.pop()!;
        if (nodeHi <= from || g.maxEnd[node]! < t) continue;
        if (node >= g.leaves) {
          this.emit(g.inOrder[node - g.leaves]!, out, stamp);
          found++;
          continue;
        }
        const mid = (nodeLo + nodeHi) >>> 1;
        stack.push(2 * node + 1, mid, nodeHi, 2 * node, nodeLo, mid); // left child on top: leftmost first
      }
    }

    // after: the k latest ends before t, within the window.
    if (ctx.after > 0) {
      lo = 0;
      hi = n;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (g.endsDesc[mid]! < t) hi = mid;
        else lo = mid + 1;
      }
      for (let i = lo, found = 0; i < n && found < k && t - g.endsDesc[i]! < ctx.after; i++, found++) this.emit(g.byEnd[i]!, out, stamp);
    }

    // before: the k earliest starts after t, within the window.
    if (ctx.before > 0) {
      lo = 0;
      hi = n;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (g.startsAsc[mid]! > t) hi = mid;
        else lo = mid + 1;
      }
      for (let i = lo, found = 0; i < n && found < k && g.startsAsc[i]! - t < ctx.before; i++, found++) this.emit(g.byStart[i]!, out, stamp);
    }
  }
}

// ───────────────────────────── reasons ─────────────────────────────

const round = (value: number, digits: number) => Math.round(value * 10 ** digits) / 10 ** digits;

function duration(ms: number): string {
  const minutes = ms / MINUTE;
  if (minutes < 1) return "less than a minute";
  const whole = Math.round(minutes);
  return whole === 1 ? "1 minute" : `${whole} minutes`;
}

function timeReason(s: Scored): CorrelationReason {
  switch (s.position) {
    case "inside":
      return { code: "inside_period", text: "Committed during this activity" };
    case "after":
      return { code: "after_period", minutes: round(s.distance / MINUTE, 2), text: `Committed ${duration(s.distance)} after this activity ended` };
    case "before":
      return { code: "before_period", minutes: round(s.distance / MINUTE, 2), text: `Committed ${duration(s.distance)} before this activity started` };
  }
}

function repositoryReason(kind: RepoKind, p: PreparedPeriod<unknown>, c: PreparedCommit<unknown>): CorrelationReason {
  switch (kind) {
    case RepoKind.RemoteMatch:
      return { code: "repository_match", via: "remote", text: `The activity's project is ${c.repository}` };
    case RepoKind.RemoteNameMatch:
      return { code: "repository_match", via: "remote_name", text: `The activity's project ${p.remote} has the same name as ${c.repository} (a fork or mirror)` };
    case RepoKind.FolderMatch:
      return { code: "repository_match", via: "folder", text: `The activity's project folder "${p.folder}" is named like ${c.repository}` };
    case RepoKind.Unknown:
      return { code: "repository_unknown", text: "The activity has no project folder or remote to compare with the repository" };
    case RepoKind.FolderMismatch:
      return { code: "repository_mismatch", via: "folder", project: p.folder!, text: `The activity's project folder "${p.folder}" is not named like ${c.repository}` };
    case RepoKind.RemoteMismatch:
      return { code: "repository_mismatch", via: "remote", project: p.remote!, text: `The activity was in ${p.remote}, not ${c.repository}` };
  }
}

function authorReason(verdict: AuthorVerdict): CorrelationReason {
  switch (verdict.status) {
    case "match":
      return { code: "author_match", via: verdict.via, text: `You authored the commit (same ${verdict.via})` };
    case "mismatch":
      return { code: "author_mismatch", text: "The commit's author is not one of your identities" };
    case "unknown":
      return {
        code: "author_unknown",
        text: verdict.why === "no_identities" ? "No identities were given to check the commit's author" : "The commit has no author email, login or name to compare with your identities",
      };
  }
}

function toMatch(s: Scored, p: PreparedPeriod<unknown>, c: PreparedCommit<unknown>): PeriodMatch {
  return {
    periodId: p.id,
    score: s.score,
    position: s.position,
    minutes: round(s.distance / MINUTE, 2),
    factors: { time: s.time, repository: REPO_FACTOR_BY_KIND[s.kind]!, author: c.authorFactor },
    reasons: [timeReason(s), repositoryReason(s.kind, p, c), authorReason(c.author)],
  };
}

// ───────────────────────────── entry points ─────────────────────────────

export type Strategy = "indexed" | "all-pairs";

export function correlate<P extends ActivityPeriod, C extends CommitForCorrelation>(
  periods: readonly P[],
  commits: readonly C[],
  options: CorrelationOptions | undefined,
  strategy: Strategy,
): CorrelationResult<P, C> {
  const resolved = resolveOptions(options);
  const ctx = resolved.context;
  // Rank = position in order T; every later tie-break is by rank.
  const ps = periods.map((p, i) => preparePeriod(p, i, resolved)).sort(comparePeriods);
  const cs = commits.map((c, i) => prepareCommit(c, i, resolved)).sort(compareCommits);
  const index = strategy === "indexed" && ps.length > 0 ? new PeriodIndex(ps) : undefined;

  const attributed: Array<Array<{ sha: string; repository: string; score: number }>> = ps.map(() => []);
  const byPosition: Record<Position, number> = { inside: 0, after: 0, before: 0 };
  let matched = 0;
  let scoreSum = 0;

  const commitResults = cs.map((c): CommitCorrelation<C> => {
    const scored: Scored[] = [];
    if (index) {
      for (const rank of index.candidates(c, ctx)) {
        const s = scorePair(ps[rank]!, rank, c, ctx);
        if (s && s.score >= ctx.minScore) scored.push(s);
      }
    } else {
      for (let rank = 0; rank < ps.length; rank++) {
        const s = scorePair(ps[rank]!, rank, c, ctx);
        if (s && s.score >= ctx.minScore) scored.push(s);
      }
    }
    scored.sort(byRank);
    const matches = scored.slice(0, ctx.k).map((s) => toMatch(s, ps[s.index]!, c));
    const best = scored[0];
    if (best) {
      matched++;
      scoreSum += best.score;
      byPosition[best.position]++;
      attributed[best.index]!.push({ sha: c.source.sha, repository: c.repository, score: best.score });
    }
    return {
      commit: c.source,
      sha: c.source.sha,
      repository: c.repository,
      committedAt: isoFromEpochMs(c.time),
      best: matches[0] ?? null,
      matches,
    };
  });

  // Periods chronologically (start, end, then order T); union of their spans for activeMinutes.
  const chronological = ps.map((_, rank) => rank).sort((a, b) => ps[a]!.start - ps[b]!.start || ps[a]!.end - ps[b]!.end || a - b);
  let activeMs = 0;
  let spanStart = -Infinity;
  let spanEnd = -Infinity;
  for (const rank of chronological) {
    const p = ps[rank]!;
    if (p.start > spanEnd) {
      activeMs += spanEnd - spanStart > 0 ? spanEnd - spanStart : 0;
      spanStart = p.start;
      spanEnd = p.end;
    } else spanEnd = Math.max(spanEnd, p.end);
  }
  if (spanEnd > spanStart) activeMs += spanEnd - spanStart;

  const periodResults = chronological.map((rank): PeriodCorrelation<P> => {
    const p = ps[rank]!;
    const list = attributed[rank]!;
    return {
      period: p.source,
      periodId: p.id,
      start: isoFromEpochMs(p.start),
      end: isoFromEpochMs(p.end),
      open: p.open,
      durationMinutes: round((p.end - p.start) / MINUTE, 2),
      commitCount: list.length,
      commits: list,
    };
  });

  const activeMinutes = round(activeMs / MINUTE, 2);
  return {
    commits: commitResults,
    periods: periodResults,
    summary: {
      commits: cs.length,
      matched,
      unmatched: cs.length - matched,
      periods: ps.length,
      periodsWithCommits: periodResults.filter((p) => p.commitCount > 0).length,
      activeMinutes,
      commitsPerActiveHour: activeMs > 0 ? round(matched / (activeMs / (60 * MINUTE)), 4) : null,
      averageBestScore: matched > 0 ? scoreSum / matched : null,
      byPosition,
    },
    settings: resolved.settings,
  };
}

/**
 * The score of one commit against one period, with its reasons, whatever minScore says
 * (0 when the commit is outside the period's window). For "why is this not matched?".
 */
export function scoreCommitAgainstPeriod(period: ActivityPeriod, commit: CommitForCorrelation, options?: CorrelationOptions): PeriodMatch {
  const resolved = resolveOptions(options);
  const p = preparePeriod(period, 0, resolved);
  const c = prepareCommit(commit, 0, resolved);
  const s = scorePair(p, 0, c, resolved.context);
  if (s) return toMatch(s, p, c);
  const position: Position = c.time < p.start ? "before" : "after";
  const distance = position === "before" ? p.start - c.time : c.time - p.end;
  const kind = repoKind(p, c);
  return toMatch({ index: 0, score: 0, time: 0, distance, position, kind }, p, c);
}
