/**
 * The typed DevPulse Cloud client for the desktop app (Node, Electron) and browsers, installed
 * as @devpulse/client (packages/client). Depends at run time only on @trpc/client, superjson,
 * zod, eventsource and pusher-js; the router is imported as a type, so no server code is
 * bundled into clients.
 */
import { createTRPCClient, httpBatchLink, httpLink, httpSubscriptionLink, splitLink, type TRPCClient } from "@trpc/client";
import type { inferRouterInputs, inferRouterOutputs } from "@trpc/server";
import { EventSource } from "eventsource";
import { CLIENT_HEADER, clientHeaderValue, type ClientIdentity } from "../lib/client-header";
import { transformer } from "../lib/transformer";
import type { RealtimeEventName } from "../lib/realtime/events";
import type { AppRouter } from "../server/api/root";
import { refusalDetails } from "./api-errors";
import { waitOutRateLimits } from "./rate-limits";
import { subscribeRealtime, type RealtimeHandler, type RealtimeOptions } from "./realtime";
import { SDK_CLIENT } from "./version";

export type { AppRouter };
/** Every procedure's input and output types, e.g. `RouterOutputs["sync"]["pull"]`. */
export type RouterInputs = inferRouterInputs<AppRouter>;
export type RouterOutputs = inferRouterOutputs<AppRouter>;

export type DevPulseClientOptions = {
  /** Base URL of the DevPulse Cloud deployment, e.g. https://cloud.example.com */
  url: string;
  /** A device token from the device authorization flow; omit for public calls. */
  token?: string | (() => string | undefined);
  /** Custom fetch (tests, proxies, Electron's net.fetch). */
  fetch?: typeof fetch;
  /**
   * The app's name and version, sent as `X-DevPulse-Client` on every call (the server may
   * refuse versions older than it supports with 426, "update DevPulse"). Defaults to the SDK's own.
   */
  client?: ClientIdentity;
};

/** Procedures sent one request each (see the links below). */
const UNBATCHED_PATHS = new Set(["sync.push", "sync.pull"]);

export function createDevPulseClient(options: DevPulseClientOptions) {
  const base = options.url.replace(/\/+$/, "");
  const authHeaders = (): Record<string, string> => {
    const token = typeof options.token === "function" ? options.token() : options.token;
    return token ? { authorization: `Bearer ${token}` } : {};
  };
  const identity = { [CLIENT_HEADER]: clientHeaderValue(options.client ?? SDK_CLIENT) };
  const requestHeaders = (): Record<string, string> => ({ ...identity, ...authHeaders() });
  const doFetch = options.fetch ?? globalThis.fetch;
  const trpc = createTRPCClient<AppRouter>({
    links: [
      waitOutRateLimits(),
      splitLink({
        // Realtime events (client.realtime.events.subscribe) stream over server-sent
        // events; the `eventsource` package lets them carry the device token in Node too.
        condition: (op) => op.type === "subscription",
        true: httpSubscriptionLink({
          url: `${base}/api/trpc`,
          transformer,
          EventSource,
          eventSourceOptions: () => ({
            fetch: (input, init) => doFetch(input, { ...init, headers: { ...(init?.headers as Record<string, string>), ...requestHeaders() } }),
          }),
        }),
        false: splitLink({
          // Each push and pull page travels alone: batching a push with whatever else was called
          // in the same tick would hold its answer until the slowest call finished, and keep the
          // sync client's next batch from being sent while the server writes the previous one.
          condition: (op) => UNBATCHED_PATHS.has(op.path),
          true: httpLink({ url: `${base}/api/trpc`, transformer, fetch: options.fetch, headers: requestHeaders }),
          false: httpBatchLink({ url: `${base}/api/trpc`, transformer, fetch: options.fetch, headers: requestHeaders }),
        }),
      }),
    ],
  });

  /**
   * The account's realtime events over whichever transport the server uses (Pusher
   * or server-sent events), each checked against the event catalog:
   * `await client.realtime.subscribe((e) => e.event === "commit:new" && show(e.payload.sha), { events: ["commit:new"] })`.
   */
  const subscribe = <E extends RealtimeEventName = RealtimeEventName>(handler: RealtimeHandler<E>, subscribeOptions?: RealtimeOptions<E>) =>
    subscribeRealtime({ client: trpc, baseUrl: base, authHeaders, fetch: doFetch }, handler, subscribeOptions);

  return withRealtimeSubscribe(trpc, subscribe);
}

/**
 * Adds `realtime.subscribe` beside the router's own procedures. The tRPC client is
 * a proxy that turns every property into a procedure path, so the extra method is
 * served by a proxy in front of it rather than assigned onto it.
 */
function withRealtimeSubscribe<S>(trpc: TRPCClient<AppRouter>, subscribe: S) {
  const realtime = new Proxy(trpc.realtime, {
    get: (target, property, receiver) => (property === "subscribe" ? subscribe : Reflect.get(target, property, receiver)),
  }) as TRPCClient<AppRouter>["realtime"] & { subscribe: S };
  return new Proxy(trpc, {
    get: (target, property, receiver) => (property === "realtime" ? realtime : Reflect.get(target, property, receiver)),
  }) as Omit<TRPCClient<AppRouter>, "realtime"> & { realtime: typeof realtime };
}

export type DevPulseClient = ReturnType<typeof createDevPulseClient>;

/** The RFC 8628 error code a device-flow call failed with, if any. */
export function deviceFlowErrorOf(error: unknown): string | undefined {
  const code = refusalDetails(error)?.oauthError;
  return typeof code === "string" ? code : undefined;
}

export type DeviceAuthorizationPrompt = {
  userCode: string;
  verificationUri: string;
  verificationUriComplete: string;
  expiresIn: number;
};

/**
 * Runs the whole device authorization flow: starts it, hands the code to `onPrompt`
 * (show it to the user), and polls at the server's interval, backing off on
 * slow_down, until approval (returns the token), denial or expiry (throws).
 */
export async function authorizeDevice(
  client: DevPulseClient,
  options: {
    deviceName: string;
    onPrompt: (prompt: DeviceAuthorizationPrompt) => void | Promise<void>;
    signal?: AbortSignal;
    sleep?: (ms: number) => Promise<void>;
  },
): Promise<{ token: string; deviceId: string }> {
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const started = await client.devices.startAuthorization.mutate({ deviceName: options.deviceName });
  await options.onPrompt(started);
  let interval = started.interval;
  for (;;) {
    if (options.signal?.aborted) throw new Error("Device authorization cancelled");
    await sleep(interval * 1000);
    try {
      return await client.devices.pollAuthorization.mutate({ deviceCode: started.deviceCode });
    } catch (error) {
      const code = deviceFlowErrorOf(error);
      if (code === "authorization_pending") continue;
      if (code === "slow_down") {
        const suggested = refusalDetails(error)?.interval;
        interval = typeof suggested === "number" ? suggested : interval + 5;
        continue;
      }
      throw error;
    }
  }
}

export { openRealtime, RealtimeConnectionError, RealtimeSubscriptionError, subscribeRealtime } from "./realtime";
export type { RealtimeEndpoint, RealtimeHandler, RealtimeOptions, RealtimeSubscription } from "./realtime";
export type { RealtimeEvent, RealtimeEventName, RealtimePayload } from "../lib/realtime/events";
export type { RealtimeConnection } from "../lib/realtime/connection";
export { createSyncClient, SyncLockedError } from "./sync-client";
export { KeyRotatedError, keyRotatedErrorOf, rotateEncryptionKey, UnreadableVersionsError } from "./key-rotation";
export { rateLimitWaitOf } from "./rate-limits";
export type { KeyRotationProgress, KeyRotationResult, RotateKeyOptions, RotationClient } from "./key-rotation";
export type { ConflictStrategy, PullSummary, PushSummary, SyncClient, SyncClientOptions, SyncSummary } from "./sync-client";
export type { UnreadableRecord } from "../lib/sync/decrypt-all";
export { createFileStore, createMemoryStore, emptySnapshot } from "./store";
export { NewerSchemaError } from "./schemas";
export type { CollectionSchema, CollectionSchemas, Migration, RecordView } from "./schemas";
export type { LocalRecord, SyncSnapshot, SyncStore } from "./store";
export { SYNC_COLLECTIONS } from "../lib/schemas/collections";
export { SDK_CLIENT } from "./version";
export type { ClientIdentity } from "../lib/client-header";
export type { SyncCollection } from "../lib/schemas/collections";
export type { Json } from "../lib/merge/json";
export { WrongPassphraseError, TamperedRecordError, ChecksumMismatchError, WeakKeyParamsError, UnknownKeyError } from "../lib/crypto/errors";
// Commit ↔ activity correlation runs where activity is decrypted: on the device.
export { correlateCommitsWithActivity } from "../lib/correlation";
export type { ActivityPeriod, CommitForCorrelation, CorrelationOptions } from "../lib/correlation/schemas";
// For programs built on the SDK (the CLI is one): errors to test calls against, what the desktop
// app reports in `status.heartbeat` and its limits, and JSON equality of record values.
export { TRPCClientError } from "@trpc/client";
export { STATUS_ACTIVITIES, STATUS_LIMITS } from "../lib/status/templates";
export type { StatusActivity } from "../lib/status/templates";
export { jsonEqual } from "../lib/merge/json";
