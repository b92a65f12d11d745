import { type FileStatus, fakePatch, isoWithOffset, sha1, stableId } from "../shared/demo-history";

/**
 * The GitLab double's data: one signed-in user, projects (with the user's project-level
 * and group-level access), and each project's commits; plus the JSON shapes of GitLab's
 * REST API v4 (GitLab 17/18 field names, dates as GitLab formats them: UTC with
 * milliseconds for resources, the author's own offset for commits).
 */
export type AccessLevel = 10 | 20 | 30 | 40 | 50;

export type GitLabSeedUser = { username: string; id?: number; name?: string; email?: string; createdAt?: string };

export type GitLabSeedCommit = {
  sha?: string;
  message: string;
  authorName: string;
  authorEmail: string;
  /** ISO 8601 or Date; default: now. */
  date?: string | Date;
  /** The author's UTC offset: GitLab shows commit dates in it (default 0). */
  utcOffsetMinutes?: number;
  additions: number;
  deletions: number;
  /** Default: one modified file, src/main.ts, carrying the commit's additions and deletions. */
  files?: Array<{ filename: string; additions?: number; deletions?: number; status?: FileStatus }>;
};

export type GitLabSeedProject = {
  /** The user's username (personal project) or a group path. */
  namespace: string;
  path: string;
  name?: string;
  id?: number;
  visibility?: "private" | "internal" | "public";
  /** The user's direct membership (default: 50 Owner on a personal project, none otherwise). */
  projectAccess?: AccessLevel | null;
  /** The user's membership of the group (default: none on a personal project, 40 Maintainer otherwise). */
  groupAccess?: AccessLevel | null;
  defaultBranch?: string;
  description?: string;
  createdAt?: string;
  commits?: GitLabSeedCommit[];
};

export type GitLabSeed = { user: GitLabSeedUser; projects: GitLabSeedProject[] };

export type StoredFile = { filename: string; status: FileStatus; additions: number; deletions: number };
export type StoredCommit = {
  sha: string;
  message: string;
  authorName: string;
  authorEmail: string;
  date: Date;
  utcOffsetMinutes: number;
  additions: number;
  deletions: number;
  files: StoredFile[];
};
export type StoredUser = { id: number; username: string; name: string; email: string; createdAt: string };
export type StoredNamespace = { id: number; name: string; path: string; kind: "user" | "group" };
export type StoredProject = {
  id: number;
  namespace: StoredNamespace;
  path: string;
  name: string;
  pathWithNamespace: string;
  visibility: "private" | "internal" | "public";
  projectAccess: AccessLevel | null;
  groupAccess: AccessLevel | null;
  defaultBranch: string;
  description: string;
  createdAt: string;
  commits: StoredCommit[];
};

const titleCase = (path: string) => path.split(/[-_]/).map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join(" ");
const utc = (date: Date | string) => new Date(date).toISOString();

export class GitLabData {
  user!: StoredUser;
  private projects = new Map<number, StoredProject>();

  constructor(private readonly urls: { web: string }) {}

  load(seed: GitLabSeed): void {
    this.projects.clear();
    this.user = {
      id: seed.user.id ?? stableId(`user:${seed.user.username}`, 1000, 9_000_000),
      username: seed.user.username,
      name: seed.user.name ?? titleCase(seed.user.username),
      email: seed.user.email ?? `${seed.user.username}@example.com`,
      createdAt: seed.user.createdAt ?? "2020-04-02T09:15:22.417Z",
    };
    for (const project of seed.projects) {
      const personal = project.namespace === this.user.username;
      const pathWithNamespace = `${project.namespace}/${project.path}`;
      const stored: StoredProject = {
        id: project.id ?? stableId(`project:${pathWithNamespace}`, 10_000_000, 60_000_000),
        namespace: {
          id: stableId(`namespace:${project.namespace}`, 100_000, 9_000_000),
          name: personal ? this.user.name : titleCase(project.namespace),
          path: project.namespace,
          kind: personal ? "user" : "group",
        },
        path: project.path,
        name: project.name ?? titleCase(project.path),
        pathWithNamespace,
        visibility: project.visibility ?? "private",
        projectAccess: project.projectAccess !== undefined ? project.projectAccess : personal ? 50 : null,
        groupAccess: project.groupAccess !== undefined ? project.groupAccess : personal ? null : 40,
        defaultBranch: project.defaultBranch ?? "main",
        description: project.description ?? "",
        createdAt: project.createdAt ?? "2023-03-01T10:00:00.000Z",
        commits: [],
      };
      this.projects.set(stored.id, stored);
      this.addCommits(stored.pathWithNamespace, project.commits ?? []);
    }
  }

  allProjects(): StoredProject[] {
    return [...this.projects.values()];
  }

  /** By numeric id or (decoded) path_with_namespace; GitLab paths resolve case-insensitively. */
  project(idOrPath: string | number): StoredProject | undefined {
    const key = String(idOrPath);
    if (/^\d+$/.test(key)) return this.projects.get(Number(key));
    return this.allProjects().find((p) => p.pathWithNamespace.toLowerCase() === key.toLowerCase());
  }

  accessLevel(project: StoredProject): number {
    return Math.max(project.projectAccess ?? 0, project.groupAccess ?? 0);
  }

  isMember(project: StoredProject): boolean {
    return this.accessLevel(project) > 0;
  }

  /** Visible to the signed-in user: a member, or an internal/public project. */
  canSee(project: StoredProject): boolean {
    return this.isMember(project) || project.visibility !== "private";
  }

  /** Can read the repository: Reporter (20) or more on a private project. */
  canReadCode(project: StoredProject): boolean {
    return project.visibility !== "private" || this.accessLevel(project) >= 20;
  }

  addCommits(idOrPath: string | number, commits: readonly GitLabSeedCommit[]): StoredCommit[] {
    const project = this.project(idOrPath);
    if (!project) throw new Error(`GitLab double: no project ${idOrPath}`);
    const added = commits.map((commit, index): StoredCommit => {
      const date = commit.date === undefined ? new Date() : new Date(commit.date);
      return {
        sha: commit.sha ?? sha1(`${project.pathWithNamespace}:${project.commits.length + index}:${commit.message}:${date.toISOString()}`),
        message: commit.message,
        authorName: commit.authorName,
        authorEmail: commit.authorEmail,
        date,
        utcOffsetMinutes: commit.utcOffsetMinutes ?? 0,
        additions: commit.additions,
        deletions: commit.deletions,
        files: (commit.files ?? [{ filename: "src/main.ts", additions: commit.additions, deletions: commit.deletions }]).map((f) => ({
          filename: f.filename,
          status: f.status ?? "modified",
          additions: f.additions ?? 0,
          deletions: f.deletions ?? 0,
        })),
      };
    });
    project.commits = [...project.commits, ...added].sort((a, b) => b.date.getTime() - a.date.getTime());
    return added;
  }

  // ---- JSON shapes -------------------------------------------------------

  avatarUrl(id: number) {
    return `${this.urls.web}/uploads/-/system/user/avatar/${id}/avatar.png`;
  }

  currentUser() {
    const u = this.user;
    return {
      id: u.id,
      username: u.username,
      name: u.name,
      state: "active",
      locked: false,
      avatar_url: this.avatarUrl(u.id),
      web_url: `${this.urls.web}/${u.username}`,
      created_at: u.createdAt,
      bio: "",
      location: "",
      public_email: null,
      skype: "",
      linkedin: "",
      twitter: "",
      discord: "",
      website_url: "",
      organization: "",
      job_title: "",
      pronouns: null,
      bot: false,
      work_information: null,
      local_time: null,
      last_sign_in_at: "2025-01-06T08:02:41.112Z",
      confirmed_at: u.createdAt,
      last_activity_on: new Date().toISOString().slice(0, 10),
      email: u.email,
      theme_id: 3,
      color_scheme_id: 1,
      projects_limit: 100_000,
      current_sign_in_at: "2025-01-08T07:58:12.530Z",
      identities: [],
      can_create_group: true,
      can_create_project: true,
      two_factor_enabled: true,
      external: false,
      private_profile: false,
      commit_email: u.email,
    };
  }

  private lastActivity(project: StoredProject) {
    return project.commits[0] ? utc(project.commits[0].date) : project.createdAt;
  }

  projectSimple(project: StoredProject) {
    const web = `${this.urls.web}/${project.pathWithNamespace}`;
    const host = new URL(this.urls.web).host;
    return {
      id: project.id,
      description: project.description,
      name: project.name,
      name_with_namespace: `${project.namespace.name} / ${project.name}`,
      path: project.path,
      path_with_namespace: project.pathWithNamespace,
      created_at: project.createdAt,
      default_branch: project.defaultBranch,
      tag_list: [],
      topics: [],
      ssh_url_to_repo: `git@${host}:${project.pathWithNamespace}.git`,
      http_url_to_repo: `${web}.git`,
      web_url: web,
      readme_url: `${web}/-/blob/${project.defaultBranch}/README.md`,
      forks_count: 0,
      avatar_url: null,
      star_count: 0,
      last_activity_at: this.lastActivity(project),
      namespace: {
        id: project.namespace.id,
        name: project.namespace.name,
        path: project.namespace.path,
        kind: project.namespace.kind,
        full_path: project.namespace.path,
        parent_id: null,
        avatar_url: project.namespace.kind === "user" ? this.avatarUrl(this.user.id) : null,
        web_url: project.namespace.kind === "user" ? `${this.urls.web}/${project.namespace.path}` : `${this.urls.web}/groups/${project.namespace.path}`,
      },
    };
  }

  projectFull(project: StoredProject) {
    const api = `${this.urls.web}/api/v4/projects/${project.id}`;
    const level = (value: AccessLevel | null) => (value === null ? null : { access_level: value, notification_level: 3 });
    return {
      ...this.projectSimple(project),
      container_registry_image_prefix: `registry.${new URL(this.urls.web).hostname}/${project.pathWithNamespace}`,
      _links: {
        self: api,
        issues: `${api}/issues`,
        merge_requests: `${api}/merge_requests`,
        repo_branches: `${api}/repository/branches`,
        labels: `${api}/labels`,
        events: `${api}/events`,
        members: `${api}/members`,
        cluster_agents: `${api}/cluster_agents`,
      },
      packages_enabled: true,
      empty_repo: project.commits.length === 0,
      archived: false,
      visibility: project.visibility,
      ...(project.namespace.kind === "user"
        ? { owner: { id: this.user.id, username: this.user.username, name: this.user.name, state: "active", locked: false, avatar_url: this.avatarUrl(this.user.id), web_url: `${this.urls.web}/${this.user.username}` } }
        : {}),
      resolve_outdated_diff_discussions: false,
      container_expiration_policy: { cadence: "1d", enabled: false, keep_n: 10, older_than: "90d", name_regex: ".*", name_regex_keep: null, next_run_at: null },
      repository_object_format: "sha1",
      issues_enabled: true,
      merge_requests_enabled: true,
      wiki_enabled: true,
      jobs_enabled: true,
      snippets_enabled: true,
      container_registry_enabled: true,
      service_desk_enabled: false,
      can_create_merge_request_in: this.accessLevel(project) >= 30,
      issues_access_level: "enabled",
      repository_access_level: "enabled",
      merge_requests_access_level: "enabled",
      forking_access_level: "enabled",
      wiki_access_level: "enabled",
      builds_access_level: "enabled",
      snippets_access_level: "enabled",
      pages_access_level: "private",
      analytics_access_level: "enabled",
      container_registry_access_level: "enabled",
      security_and_compliance_access_level: "private",
      releases_access_level: "enabled",
      environments_access_level: "enabled",
      emails_disabled: false,
      emails_enabled: true,
      shared_runners_enabled: true,
      lfs_enabled: true,
      creator_id: this.user.id,
      import_status: "none",
      open_issues_count: 0,
      description_html: project.description ? `<p data-sourcepos="1:1-1:${project.description.length}" dir="auto">${project.description}</p>` : "",
      updated_at: this.lastActivity(project),
      ci_config_path: null,
      public_jobs: true,
      shared_with_groups: [],
      only_allow_merge_if_pipeline_succeeds: false,
      allow_merge_on_skipped_pipeline: null,
      request_access_enabled: true,
      only_allow_merge_if_all_discussions_are_resolved: false,
      remove_source_branch_after_merge: true,
      printing_merge_request_link_enabled: true,
      merge_method: "merge",
      squash_option: "default_off",
      enforce_auth_checks_on_uploads: true,
      suggestion_commit_message: null,
      merge_commit_template: null,
      squash_commit_template: null,
      issue_branch_template: null,
      warn_about_potentially_unwanted_characters: true,
      autoclose_referenced_issues: true,
      permissions: { project_access: level(project.projectAccess), group_access: level(project.groupAccess) },
    };
  }

  commit(project: StoredProject, commit: StoredCommit, withStats: boolean) {
    const index = project.commits.indexOf(commit);
    const parent = project.commits[index + 1];
    const date = isoWithOffset(commit.date, commit.utcOffsetMinutes, true);
    const title = commit.message.split("\n")[0]!;
    return {
      id: commit.sha,
      short_id: commit.sha.slice(0, 11),
      created_at: date,
      parent_ids: parent ? [parent.sha] : [],
      title,
      message: commit.message,
      author_name: commit.authorName,
      author_email: commit.authorEmail,
      authored_date: date,
      committer_name: commit.authorName,
      committer_email: commit.authorEmail,
      committed_date: date,
      trailers: {},
      extended_trailers: {},
      web_url: `${this.urls.web}/${project.pathWithNamespace}/-/commit/${commit.sha}`,
      ...(withStats ? { stats: { additions: commit.additions, deletions: commit.deletions, total: commit.additions + commit.deletions } } : {}),
    };
  }

  diff(commit: StoredCommit) {
    return commit.files.map((file) => ({
      diff: `${fakePatch(file)}\n`,
      new_path: file.filename,
      old_path: file.filename,
      a_mode: file.status === "added" ? "0" : "100644",
      b_mode: file.status === "removed" ? "0" : "100644",
      new_file: file.status === "added",
      renamed_file: file.status === "renamed",
      deleted_file: file.status === "removed",
      generated_file: false,
    }));
  }
}
