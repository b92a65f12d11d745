import packageJson from "../../package.json" with { type: "json" };
import type { ClientIdentity } from "../client";

/** The CLI names itself to the server as `X-DevPulse-Client: devpulse-cli/<version>` (MIN_CLIENT_VERSIONS can require a newer one). */
export const CLI_CLIENT: ClientIdentity = { name: "devpulse-cli", version: packageJson.version };
