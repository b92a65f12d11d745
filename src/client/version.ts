import type { ClientIdentity } from "../lib/client-header";

/**
 * How this SDK names itself in `X-DevPulse-Client` unless the app passes its own name
 * (the CLI and desktop apps do). Kept equal to the package version by a unit test.
 */
export const SDK_CLIENT: ClientIdentity = { name: "devpulse-sdk", version: "0.1.0" };
