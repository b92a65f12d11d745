/**
 * Many users with devices, written straight to the database with the server's own modules (users,
 * devices with hashed tokens, cloud-sync consent) once the server has migrated it: thousands of
 * registrations and device grants through the API would spend the run hashing passwords and being
 * refused by the per-address limits, which is not what the scale and load runs measure.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { join } from "node:path";
import { mapLimit } from "./setup";

export type SeededDevice = { userId: string; deviceId: string; token: string };

/**
 * `users` users with `devicesPerUser` devices each, on `databaseUrl`; returns the devices user by user
 * (a user's devices are consecutive) and a `close` for the set-up connection.
 */
export async function seedPopulation(options: { root: string; databaseUrl: string; users: number; devicesPerUser: number; label: string }) {
  process.env.DATABASE_URL = options.databaseUrl;
  process.env.MIGRATIONS_DIR = join(options.root, "drizzle");
  process.env.LOG_LEVEL = "warn";
  process.env.NEXTAUTH_SECRET ??= randomBytes(32).toString("base64");
  const { getDb, closeDb } = await import("../../src/server/db/client");
  const { devices, users } = await import("../../src/server/db/schema");
  const { recordConsent } = await import("../../src/server/privacy/consents");
  const { generateDeviceToken } = await import("../../src/server/devices/tokens");
  const { sha256Hex } = await import("../../src/server/hash");
  const db = await getDb();

  const population: SeededDevice[] = [];
  for (let from = 0; from < options.users; from += 500) {
    const size = Math.min(500, options.users - from);
    const created = await db
      .insert(users)
      .values(Array.from({ length: size }, (_, offset) => ({ email: `${options.label}-${from + offset}-${randomUUID()}@bench.example.com` })))
      .returning({ id: users.id });
    const owners = created.flatMap((user) => Array.from({ length: options.devicesPerUser }, (_, device) => ({ userId: user.id, device })));
    const tokens = owners.map(() => generateDeviceToken());
    const added = await db
      .insert(devices)
      .values(owners.map((owner, index) => ({ userId: owner.userId, name: `${options.label} device ${owner.device + 1}`, tokenHash: sha256Hex(tokens[index]!) })))
      .returning({ id: devices.id, userId: devices.userId });
    added.forEach((device, index) => population.push({ userId: device.userId, deviceId: device.id, token: tokens[index]! }));
  }
  await mapLimit(usersOf(population), 10, (userId) => recordConsent(db, userId, { type: "cloud_sync", granted: true }));
  return { devices: population, close: () => closeDb() };
}

/** Each user once, in the order of their devices. */
const usersOf = (population: readonly SeededDevice[]) => [...new Set(population.map((device) => device.userId))];
