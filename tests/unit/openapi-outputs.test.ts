import { describe, expectTypeOf, it } from "vitest";
import type { z } from "zod";
import { ZConflictPage, type listConflicts } from "~/server/conflicts/queries";
import type { resolveConflict } from "~/server/conflicts/resolve";
import { ZCalendarEvent, type listEvents } from "~/server/calendar/events";
import { ZDeviceAuthorizationStart, ZDeviceToken, type pollDeviceAuthorization, type startDeviceAuthorization } from "~/server/devices/authorization";
import type { beginConnection, disconnectIntegration, listIntegrations } from "~/server/integrations/connections";
import type { listCachedCommits, listCachedRepositories } from "~/server/integrations/external-data";
import { ZCachedCommit, ZCachedRepository, ZConnectionStart, ZDisconnectResult, ZIntegration } from "~/server/integrations/schemas";
import type { deleteAllSyncData } from "~/server/sync/delete-all";
import type { getSyncKeys, setupSyncKeys } from "~/server/sync/keys";
import { ZDeleteAllResult, ZKeyBundleVersion, ZResolveConflictResult, ZStoredKeyBundle } from "~/server/sync/schemas";

/**
 * The REST procedures' output schemas describe exactly what their domain functions
 * return. tRPC validates outputs and drops keys a schema does not name, so a field
 * missing here would silently vanish from the tRPC answer too: the compiler checks
 * every schema against its function (these assertions fail `tsc`, not the test run).
 */
type Result<F extends (...args: never[]) => unknown> = Awaited<ReturnType<F>>;

describe("output schemas of the REST procedures", () => {
  it("match their domain functions' results exactly", () => {
    expectTypeOf<z.output<typeof ZIntegration>>().toEqualTypeOf<Result<typeof listIntegrations>[number]>();
    expectTypeOf<z.output<typeof ZConnectionStart>>().toEqualTypeOf<Result<typeof beginConnection>>();
    expectTypeOf<z.output<typeof ZDisconnectResult>>().toEqualTypeOf<Result<typeof disconnectIntegration>>();
    expectTypeOf<z.output<typeof ZCachedRepository>>().toEqualTypeOf<Result<typeof listCachedRepositories>[number]>();
    expectTypeOf<z.output<typeof ZCachedCommit>>().toEqualTypeOf<Result<typeof listCachedCommits>[number]>();
    expectTypeOf<z.output<typeof ZCalendarEvent>>().toEqualTypeOf<Result<typeof listEvents>[number]>();
    expectTypeOf<z.output<typeof ZConflictPage>>().toEqualTypeOf<Result<typeof listConflicts>>();
    expectTypeOf<z.output<typeof ZResolveConflictResult>>().toEqualTypeOf<Result<typeof resolveConflict>>();
    expectTypeOf<z.output<typeof ZDeleteAllResult>>().toEqualTypeOf<Result<typeof deleteAllSyncData>>();
    expectTypeOf<z.output<typeof ZStoredKeyBundle>>().toEqualTypeOf<Result<typeof getSyncKeys>>();
    expectTypeOf<z.output<typeof ZKeyBundleVersion>>().toEqualTypeOf<Result<typeof setupSyncKeys>>();
    expectTypeOf<z.output<typeof ZDeviceAuthorizationStart>>().toEqualTypeOf<Result<typeof startDeviceAuthorization>>();
    expectTypeOf<z.output<typeof ZDeviceToken>>().toEqualTypeOf<Result<typeof pollDeviceAuthorization>>();
  });
});
