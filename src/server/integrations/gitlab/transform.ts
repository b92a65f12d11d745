import type { Commit, Repository } from "../provider";

/** GitLab REST v4 shapes → ours. Access levels: 30 developer, 40 maintainer, 50 owner. */
type AccessLevel = { access_level: number } | null | undefined;
export type GitLabProject = {
  id: number;
  path_with_namespace: string;
  web_url: string;
  visibility?: string;
  default_branch?: string | null;
  last_activity_at?: string | null;
  permissions?: { project_access?: AccessLevel; group_access?: AccessLevel };
};

export const MAINTAINER = 40;
export const DEVELOPER = 30;

export function accessLevelOf(project: GitLabProject): number {
  return Math.max(project.permissions?.project_access?.access_level ?? 0, project.permissions?.group_access?.access_level ?? 0);
}

export function toRepository(project: GitLabProject): Repository {
  const level = accessLevelOf(project);
  return {
    fullName: project.path_with_namespace,
    providerId: String(project.id),
    url: project.web_url,
    private: project.visibility !== "public",
    permission: level >= MAINTAINER ? "admin" : level >= DEVELOPER ? "write" : "read",
    defaultBranch: project.default_branch ?? null,
    pushedAt: project.last_activity_at ?? null,
  };
}

export type GitLabCommit = {
  id: string;
  message: string;
  title?: string;
  web_url?: string | null;
  author_name?: string | null;
  author_email?: string | null;
  committed_date?: string | null;
  authored_date?: string | null;
  stats?: { additions?: number; deletions?: number };
};

export function toCommit(repository: string, commit: GitLabCommit): Commit {
  return {
    sha: commit.id,
    repository,
    message: commit.message,
    url: commit.web_url ?? null,
    authorName: commit.author_name ?? null,
    authorEmail: commit.author_email ?? null,
    authorLogin: null,
    committedAt: new Date(commit.authored_date ?? commit.committed_date ?? 0).toISOString(),
    additions: commit.stats?.additions ?? null,
    deletions: commit.stats?.deletions ?? null,
    files: null,
  };
}
