/**
 * Conditional requests (RFC 9110 §13), the same way for every provider: what the last 200
 * of a request URL answered is kept (its ETag and Last-Modified, and for a list page the
 * page itself), the next request of that URL sends them back, and a 304 stands for that
 * answer. An idle resync then costs 304s, which GitHub does not count against its rate
 * limit. Providers speak HTTP only; the store behind `ValidatorLookup` / `PageStore` is the
 * framework's (git-sync.ts keeps it in provider_etags, one row per request URL).
 */

export type Validators = { etag: string | null; lastModified: string | null };

/** The validators of a request URL's last 200, or null (then the request is unconditional). */
export type ValidatorLookup = (url: string) => Promise<Validators | null>;

/** A list page's last 200: its validators, its items, and where the next page is (a 304 carries neither). */
export type CachedPage<T> = Validators & { items: T[]; next: string | null };

export type PageStore<T> = {
  get(url: string): Promise<CachedPage<T> | null>;
  put(url: string, page: CachedPage<T>): Promise<void>;
};

/** One page's answer: unchanged, or its items with new validators and the next page's URL. */
export type PageAnswer<T> = { notModified: true } | ({ notModified: false } & CachedPage<T>);

export function conditionalHeaders(validators: Validators | null): Record<string, string> {
  const headers: Record<string, string> = {};
  if (validators?.etag) headers["if-none-match"] = validators.etag;
  if (validators?.lastModified) headers["if-modified-since"] = validators.lastModified;
  return headers;
}

/** A 200's validators, from fetch's Headers or an SDK's lower-cased header record (Octokit's). */
export function validatorsFrom(headers: Headers | Record<string, string | number | undefined>): Validators {
  const get = (name: string) => (headers instanceof Headers ? headers.get(name) : headers[name] === undefined ? null : String(headers[name]));
  return { etag: get("etag"), lastModified: get("last-modified") };
}

/** A store that remembers nothing: every page is fetched in full. */
export const noPageStore: PageStore<never> = { get: async () => null, put: async () => undefined };

/**
 * Walks a paginated list with every page conditional. A page answered 304 is rebuilt from
 * the store (its items, and its next page: a 304 has no Link or X-Next-Page). A page the
 * store does not have is fetched unconditionally, so a 304 is only asked for where it can
 * be rebuilt. `notModified` is true when every page was.
 */
export async function conditionalPages<T>(firstUrl: string, store: PageStore<T>, fetchPage: (url: string, headers: Record<string, string>) => Promise<PageAnswer<T>>) {
  const items: T[] = [];
  let notModified = true;
  const seen = new Set<string>();
  for (let url: string | null = firstUrl; url !== null && !seen.has(url); ) {
    seen.add(url); // a provider whose "next" loops must not loop us
    const cached = await store.get(url);
    const answer = await fetchPage(url, conditionalHeaders(cached));
    if (answer.notModified && !cached) throw new Error(`Answered 304 to an unconditional request: ${url}`);
    const page: CachedPage<T> = answer.notModified ? cached! : answer;
    if (!answer.notModified) {
      notModified = false;
      if (page.etag || page.lastModified) await store.put(url, page);
    }
    items.push(...page.items);
    url = page.next;
  }
  return { items, notModified };
}
