import { type FileStatus, fakePatch, isoSeconds, sha1, stableId } from "../shared/demo-history";

/**
 * The GitHub double's data: one signed-in user, the repositories they can see (with
 * their permission on each), and each repository's commits; plus the JSON shapes
 * GitHub's REST API gives them (field names and URL templates as api.github.com and
 * GitHub Enterprise Server return them).
 */
export type GitHubPermissions = { admin: boolean; maintain: boolean; push: boolean; triage: boolean; pull: boolean };

export type GitHubSeedUser = { login: string; id?: number; name?: string | null; email?: string | null; createdAt?: string };

export type GitHubSeedCommit = {
  sha?: string;
  message: string;
  /** The GitHub account the author email belongs to; null/omitted: the email is not linked (API `author: null`). */
  authorLogin?: string | null;
  authorName: string;
  authorEmail: string;
  /** ISO 8601 or Date; default: now. */
  date?: string | Date;
  /** The author's UTC offset, used in push payload timestamps (default 0). */
  utcOffsetMinutes?: number;
  additions: number;
  deletions: number;
  /** Default: one modified file, src/main.ts, carrying the commit's additions and deletions. */
  files?: Array<{ filename: string; additions?: number; deletions?: number; status?: FileStatus }>;
};

export type GitHubSeedRepo = {
  owner: string;
  name: string;
  id?: number;
  private?: boolean;
  /** Default: every permission when the user owns the repo; push/triage/pull otherwise. */
  permissions?: Partial<GitHubPermissions>;
  /** Default: "User" when owner is the seeded user's login, "Organization" otherwise. */
  ownerType?: "User" | "Organization";
  defaultBranch?: string;
  description?: string | null;
  language?: string | null;
  createdAt?: string;
  commits?: GitHubSeedCommit[];
};

export type GitHubSeed = {
  user: GitHubSeedUser;
  /** Other accounts (colleagues, bots) whose logins appear as commit authors. */
  users?: GitHubSeedUser[];
  repos: GitHubSeedRepo[];
};

export type StoredFile = { filename: string; status: FileStatus; additions: number; deletions: number };
export type StoredCommit = {
  sha: string;
  treeSha: string;
  message: string;
  authorLogin: string | null;
  authorName: string;
  authorEmail: string;
  date: Date;
  utcOffsetMinutes: number;
  additions: number;
  deletions: number;
  files: StoredFile[];
};
export type StoredUser = { login: string; id: number; name: string | null; email: string | null; type: "User" | "Bot" | "Organization"; createdAt: string };
export type StoredRepo = {
  id: number;
  owner: StoredUser;
  name: string;
  fullName: string;
  private: boolean;
  permissions: GitHubPermissions;
  defaultBranch: string;
  description: string | null;
  language: string | null;
  createdAt: string;
  /** Newest first, like the API lists them. */
  commits: StoredCommit[];
};

const ALL: GitHubPermissions = { admin: true, maintain: true, push: true, triage: true, pull: true };
const COLLABORATOR: GitHubPermissions = { admin: false, maintain: false, push: true, triage: true, pull: true };

export class GitHubData {
  user!: StoredUser;
  private users = new Map<string, StoredUser>();
  private repos = new Map<string, StoredRepo>();

  constructor(private readonly urls: { web: string; api: string }) {}

  load(seed: GitHubSeed): void {
    this.users.clear();
    this.repos.clear();
    this.user = this.addUser(seed.user, "User");
    for (const user of seed.users ?? []) this.addUser(user, user.login.endsWith("[bot]") ? "Bot" : "User");
    for (const repo of seed.repos) {
      const ownerType = repo.ownerType ?? (repo.owner.toLowerCase() === this.user.login.toLowerCase() ? "User" : "Organization");
      const owner = this.users.get(repo.owner.toLowerCase()) ?? this.addUser({ login: repo.owner }, ownerType);
      const fullName = `${owner.login}/${repo.name}`;
      const stored: StoredRepo = {
        id: repo.id ?? stableId(`repo:${fullName}`, 600_000_000, 99_999_999),
        owner,
        name: repo.name,
        fullName,
        private: repo.private ?? false,
        permissions: { ...(owner === this.user ? ALL : COLLABORATOR), ...repo.permissions },
        defaultBranch: repo.defaultBranch ?? "main",
        description: repo.description ?? null,
        language: repo.language ?? null,
        createdAt: repo.createdAt ?? "2023-02-14T09:12:44Z",
        commits: [],
      };
      this.repos.set(fullName.toLowerCase(), stored);
      this.addCommits(fullName, repo.commits ?? []);
    }
  }

  private addUser(user: GitHubSeedUser, type: StoredUser["type"]): StoredUser {
    const stored: StoredUser = {
      login: user.login,
      id: user.id ?? stableId(`user:${user.login}`, 1_000_000, 90_000_000),
      name: user.name ?? null,
      email: user.email ?? null,
      type,
      createdAt: user.createdAt ?? "2019-06-03T08:21:37Z",
    };
    this.users.set(user.login.toLowerCase(), stored);
    return stored;
  }

  userByLogin(login: string): StoredUser | undefined {
    return this.users.get(login.toLowerCase());
  }

  /** GitHub resolves owner/repo case-insensitively. */
  repo(owner: string, name: string): StoredRepo | undefined {
    return this.repos.get(`${owner}/${name}`.toLowerCase());
  }

  allRepos(): StoredRepo[] {
    return [...this.repos.values()];
  }

  addCommits(fullName: string, commits: readonly GitHubSeedCommit[]): StoredCommit[] {
    const [owner = "", name = ""] = fullName.split("/");
    const repo = this.repo(owner, name);
    if (!repo) throw new Error(`GitHub double: no repository ${fullName}`);
    const added = commits.map((commit, index): StoredCommit => {
      const files: StoredFile[] = (commit.files ?? [{ filename: "src/main.ts", additions: commit.additions, deletions: commit.deletions, status: "modified" as const }]).map((file) => ({
        filename: file.filename,
        status: file.status ?? "modified",
        additions: file.additions ?? 0,
        deletions: file.deletions ?? 0,
      }));
      const date = commit.date === undefined ? new Date() : new Date(commit.date);
      const sha = commit.sha ?? sha1(`${repo.fullName}:${repo.commits.length + index}:${commit.message}:${date.toISOString()}`);
      return {
        sha,
        treeSha: sha1(`tree:${sha}`),
        message: commit.message,
        authorLogin: commit.authorLogin ?? null,
        authorName: commit.authorName,
        authorEmail: commit.authorEmail,
        date,
        utcOffsetMinutes: commit.utcOffsetMinutes ?? 0,
        additions: commit.additions,
        deletions: commit.deletions,
        files,
      };
    });
    repo.commits = [...repo.commits, ...added].sort((a, b) => b.date.getTime() - a.date.getTime());
    return added;
  }

  // ---- JSON shapes -------------------------------------------------------

  simpleUser(user: StoredUser) {
    const api = `${this.urls.api}/users/${user.login}`;
    return {
      login: user.login,
      id: user.id,
      node_id: Buffer.from(`04:${user.type}${user.id}`).toString("base64"),
      avatar_url: `${this.urls.web}/avatars/u/${user.id}`,
      gravatar_id: "",
      url: api,
      html_url: `${this.urls.web}/${user.login}`,
      followers_url: `${api}/followers`,
      following_url: `${api}/following{/other_user}`,
      gists_url: `${api}/gists{/gist_id}`,
      starred_url: `${api}/starred{/owner}{/repo}`,
      subscriptions_url: `${api}/subscriptions`,
      organizations_url: `${api}/orgs`,
      repos_url: `${api}/repos`,
      events_url: `${api}/events{/privacy}`,
      received_events_url: `${api}/received_events`,
      type: user.type,
      user_view_type: "public",
      site_admin: false,
    };
  }

  authenticatedUser() {
    const owned = this.allRepos().filter((r) => r.owner === this.user);
    return {
      ...this.simpleUser(this.user),
      user_view_type: "private",
      name: this.user.name,
      company: null,
      blog: "",
      location: null,
      email: this.user.email,
      hireable: null,
      bio: null,
      twitter_username: null,
      notification_email: this.user.email,
      public_repos: owned.filter((r) => !r.private).length,
      public_gists: 0,
      followers: 3,
      following: 1,
      created_at: this.user.createdAt,
      updated_at: "2025-01-07T10:02:11Z",
      private_gists: 0,
      total_private_repos: owned.filter((r) => r.private).length,
      owned_private_repos: owned.filter((r) => r.private).length,
      disk_usage: 10_240,
      collaborators: 0,
      two_factor_authentication: true,
      plan: { name: "pro", space: 976_562_499, collaborators: 0, private_repos: 9999 },
    };
  }

  repository(repo: StoredRepo) {
    const api = `${this.urls.api}/repos/${repo.fullName}`;
    const host = new URL(this.urls.web).host;
    const pushedAt = repo.commits[0] ? isoSeconds(repo.commits[0].date) : repo.createdAt;
    return {
      id: repo.id,
      node_id: Buffer.from(`010:Repository${repo.id}`).toString("base64"),
      name: repo.name,
      full_name: repo.fullName,
      private: repo.private,
      owner: this.simpleUser(repo.owner),
      html_url: `${this.urls.web}/${repo.fullName}`,
      description: repo.description,
      fork: false,
      url: api,
      forks_url: `${api}/forks`,
      keys_url: `${api}/keys{/key_id}`,
      collaborators_url: `${api}/collaborators{/collaborator}`,
      teams_url: `${api}/teams`,
      hooks_url: `${api}/hooks`,
      issue_events_url: `${api}/issues/events{/number}`,
      events_url: `${api}/events`,
      assignees_url: `${api}/assignees{/user}`,
      branches_url: `${api}/branches{/branch}`,
      tags_url: `${api}/tags`,
      blobs_url: `${api}/git/blobs{/sha}`,
      git_tags_url: `${api}/git/tags{/sha}`,
      git_refs_url: `${api}/git/refs{/sha}`,
      trees_url: `${api}/git/trees{/sha}`,
      statuses_url: `${api}/statuses/{sha}`,
      languages_url: `${api}/languages`,
      stargazers_url: `${api}/stargazers`,
      contributors_url: `${api}/contributors`,
      subscribers_url: `${api}/subscribers`,
      subscription_url: `${api}/subscription`,
      commits_url: `${api}/commits{/sha}`,
      git_commits_url: `${api}/git/commits{/sha}`,
      comments_url: `${api}/comments{/number}`,
      issue_comment_url: `${api}/issues/comments{/number}`,
      contents_url: `${api}/contents/{+path}`,
      compare_url: `${api}/compare/{base}...{head}`,
      merges_url: `${api}/merges`,
      archive_url: `${api}/{archive_format}{/ref}`,
      downloads_url: `${api}/downloads`,
      issues_url: `${api}/issues{/number}`,
      pulls_url: `${api}/pulls{/number}`,
      milestones_url: `${api}/milestones{/number}`,
      notifications_url: `${api}/notifications{?since,all,participating}`,
      labels_url: `${api}/labels{/name}`,
      releases_url: `${api}/releases{/id}`,
      deployments_url: `${api}/deployments`,
      created_at: repo.createdAt,
      updated_at: pushedAt,
      pushed_at: pushedAt,
      git_url: `git://${host}/${repo.fullName}.git`,
      ssh_url: `git@${host}:${repo.fullName}.git`,
      clone_url: `${this.urls.web}/${repo.fullName}.git`,
      svn_url: `${this.urls.web}/${repo.fullName}`,
      homepage: null,
      size: 1024 + repo.commits.length * 13,
      stargazers_count: 0,
      watchers_count: 0,
      language: repo.language,
      has_issues: true,
      has_projects: true,
      has_downloads: true,
      has_wiki: true,
      has_pages: false,
      has_discussions: false,
      forks_count: 0,
      mirror_url: null,
      archived: false,
      disabled: false,
      open_issues_count: 0,
      license: null,
      allow_forking: true,
      is_template: false,
      web_commit_signoff_required: false,
      topics: [],
      visibility: repo.private ? "private" : "public",
      forks: 0,
      open_issues: 0,
      watchers: 0,
      default_branch: repo.defaultBranch,
      permissions: { ...repo.permissions },
    };
  }

  private gitActor(commit: StoredCommit) {
    return { name: commit.authorName, email: commit.authorEmail, date: isoSeconds(commit.date) };
  }

  private commitAuthor(commit: StoredCommit) {
    const user = commit.authorLogin ? this.userByLogin(commit.authorLogin) : undefined;
    if (commit.authorLogin && !user) return this.simpleUser({ login: commit.authorLogin, id: stableId(`user:${commit.authorLogin}`, 1_000_000, 90_000_000), name: null, email: null, type: "User", createdAt: "" });
    return user ? this.simpleUser(user) : null;
  }

  /** An item of GET /repos/{owner}/{repo}/commits (no stats, no files). */
  commitListItem(repo: StoredRepo, commit: StoredCommit) {
    const api = `${this.urls.api}/repos/${repo.fullName}`;
    const index = repo.commits.indexOf(commit);
    const parent = repo.commits[index + 1];
    return {
      sha: commit.sha,
      node_id: Buffer.from(`06:Commit${repo.id}:${commit.sha}`).toString("base64"),
      commit: {
        author: this.gitActor(commit),
        committer: this.gitActor(commit),
        message: commit.message,
        tree: { sha: commit.treeSha, url: `${api}/git/trees/${commit.treeSha}` },
        url: `${api}/git/commits/${commit.sha}`,
        comment_count: 0,
        verification: { verified: false, reason: "unsigned", signature: null, payload: null, verified_at: null },
      },
      url: `${api}/commits/${commit.sha}`,
      html_url: `${this.urls.web}/${repo.fullName}/commit/${commit.sha}`,
      comments_url: `${api}/commits/${commit.sha}/comments`,
      author: this.commitAuthor(commit),
      committer: this.commitAuthor(commit),
      parents: parent ? [{ sha: parent.sha, url: `${api}/commits/${parent.sha}`, html_url: `${this.urls.web}/${repo.fullName}/commit/${parent.sha}` }] : [],
    };
  }

  /** GET /repos/{owner}/{repo}/commits/{ref}: the list item plus stats and files. */
  commitDetail(repo: StoredRepo, commit: StoredCommit) {
    const api = `${this.urls.api}/repos/${repo.fullName}`;
    return {
      ...this.commitListItem(repo, commit),
      stats: { total: commit.additions + commit.deletions, additions: commit.additions, deletions: commit.deletions },
      files: commit.files.map((file) => ({
        sha: sha1(`blob:${commit.sha}:${file.filename}`),
        filename: file.filename,
        status: file.status,
        additions: file.additions,
        deletions: file.deletions,
        changes: file.additions + file.deletions,
        blob_url: `${this.urls.web}/${repo.fullName}/blob/${commit.sha}/${file.filename}`,
        raw_url: `${this.urls.web}/${repo.fullName}/raw/${commit.sha}/${file.filename}`,
        contents_url: `${api}/contents/${file.filename}?ref=${commit.sha}`,
        patch: fakePatch(file),
      })),
    };
  }
}
