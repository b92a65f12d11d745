import type { Commit, CommitStats, Repository } from "../provider";

/** GitHub REST shapes → ours. Only the fields we use; GitHub sends many more. */
type GitHubRepo = {
  id: number;
  full_name: string;
  html_url: string;
  private: boolean;
  default_branch?: string | null;
  pushed_at?: string | null;
  permissions?: { admin?: boolean; maintain?: boolean; push?: boolean; pull?: boolean };
};

export function toRepository(repo: GitHubRepo): Repository {
  const permissions = repo.permissions ?? {};
  return {
    fullName: repo.full_name,
    providerId: String(repo.id),
    url: repo.html_url,
    private: repo.private,
    permission: permissions.admin ? "admin" : permissions.push || permissions.maintain ? "write" : "read",
    defaultBranch: repo.default_branch ?? null,
    pushedAt: repo.pushed_at ?? null,
  };
}

type GitHubCommit = {
  sha: string;
  html_url?: string | null;
  commit: { message: string; author?: { name?: string | null; email?: string | null; date?: string | null } | null; committer?: { date?: string | null } | null };
  author?: { login?: string | null } | null;
  stats?: { additions?: number; deletions?: number };
  files?: unknown[];
};

export function toCommit(repository: string, commit: GitHubCommit): Commit {
  const committedAt = commit.commit.author?.date ?? commit.commit.committer?.date ?? new Date(0).toISOString();
  return {
    sha: commit.sha,
    repository,
    message: commit.commit.message,
    url: commit.html_url ?? null,
    authorName: commit.commit.author?.name ?? null,
    authorEmail: commit.commit.author?.email ?? null,
    authorLogin: commit.author?.login ?? null,
    committedAt: new Date(committedAt).toISOString(),
    additions: commit.stats?.additions ?? null,
    deletions: commit.stats?.deletions ?? null,
    files: commit.files ? commit.files.length : null,
  };
}

export function toStats(commit: GitHubCommit): CommitStats {
  return { additions: commit.stats?.additions ?? 0, deletions: commit.stats?.deletions ?? 0, files: commit.files?.length ?? 0 };
}
