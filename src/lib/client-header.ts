/**
 * How a DevPulse client names itself to the server: `X-DevPulse-Client: <name>/<version>`,
 * e.g. `devpulse-cli/0.1.0`. The server may refuse clients older than a minimum version
 * per name (MIN_CLIENT_VERSIONS) with 426 and an "update DevPulse" message.
 */
export const CLIENT_HEADER = "x-devpulse-client";

export type ClientIdentity = { name: string; version: string };

/** The header's value for a client: `devpulse-cli/1.2.0`. */
export const clientHeaderValue = (client: ClientIdentity) => `${client.name}/${client.version}`;
