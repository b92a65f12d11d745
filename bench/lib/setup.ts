/**
 * Set-up through the public API only, exactly as a person and their desktop apps
 * would: register, sign in over next-auth's credentials flow (session cookie),
 * then connect devices with the RFC 8628 device grant.
 */
import { createDevPulseClient, deviceFlowErrorOf, type DevPulseClient } from "../../src/client/index";

export type BenchDevice = { deviceId: string; token: string; client: DevPulseClient };
export type BenchUser = { id: string; email: string; devices: BenchDevice[] };

const PASSWORD = "bench-Correct-Horse-42";

let visitors = 0;
/**
 * A new address for each bench user (198.18.0.0/15, the benchmarking range), sent as the proxy in
 * front of a real deployment would: the bench client connects from 127.0.0.1, which the server trusts
 * as a proxy by default (TRUST_PROXY), so it takes X-Forwarded-For as sent (server/http/client-address.ts). Fifty sign-ups and a hundred device grants from one address would otherwise
 * be refused by the per-address limits (README, Rate limits), as they should be.
 */
function visitorAddress(): string {
  visitors += 1;
  return `198.${18 + ((visitors >> 16) & 1)}.${(visitors >> 8) & 255}.${visitors & 255}`;
}

/** A client whose requests come from `address`. */
function clientFrom(url: string, address: string): DevPulseClient {
  const fromAddress: typeof fetch = (input, init) => {
    const headers = new Headers(init?.headers);
    headers.set("x-forwarded-for", address);
    return fetch(input, { ...init, headers });
  };
  return createDevPulseClient({ url, fetch: fromAddress });
}

/** `name=value` pairs of a response's Set-Cookie headers. */
function cookiesFrom(response: Response): Map<string, string> {
  const cookies = new Map<string, string>();
  for (const header of response.headers.getSetCookie()) {
    const pair = header.split(";", 1)[0] ?? "";
    const index = pair.indexOf("=");
    if (index > 0) cookies.set(pair.slice(0, index).trim(), pair.slice(index + 1).trim());
  }
  return cookies;
}

/** next-auth credentials sign-in; returns the Cookie header value carrying the session token. */
export async function signIn(url: string, email: string, password: string, address: string): Promise<string> {
  const csrfResponse = await fetch(`${url}/api/auth/csrf`, { headers: { "x-forwarded-for": address } });
  if (!csrfResponse.ok) throw new Error(`GET /api/auth/csrf answered ${csrfResponse.status}`);
  const { csrfToken } = (await csrfResponse.json()) as { csrfToken: string };
  const csrfCookies = cookiesFrom(csrfResponse);

  const response = await fetch(`${url}/api/auth/callback/credentials`, {
    method: "POST",
    redirect: "manual",
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      "x-forwarded-for": address,
      cookie: [...csrfCookies].map(([name, value]) => `${name}=${value}`).join("; "),
    },
    body: new URLSearchParams({ csrfToken, email, password, json: "true", callbackUrl: url }),
  });
  const session = [...cookiesFrom(response)].find(([name]) => /(^|\.)next-auth\.session-token$/.test(name));
  if (!session) throw new Error(`Sign-in for ${email} set no session cookie (HTTP ${response.status}: ${(await response.text()).slice(0, 200)})`);
  return `${session[0]}=${session[1]}`;
}

/** A tRPC client that sends the browser session cookie instead of a device token. */
export function sessionClient(url: string, cookie: string): DevPulseClient {
  const withCookie: typeof fetch = (input, init) => {
    const headers = new Headers(init?.headers);
    headers.set("cookie", cookie);
    return fetch(input, { ...init, headers });
  };
  return createDevPulseClient({ url, fetch: withCookie });
}

/** Device grant: the device starts, the signed-in user approves, the device polls once for its token. */
export async function connectDevice(url: string, approver: DevPulseClient, deviceName: string): Promise<BenchDevice> {
  // Each device from its own address, as desktop apps on their own networks: one user's fifty devices would exceed the per-address device grants.
  const anonymous = clientFrom(url, visitorAddress());
  const started = await anonymous.devices.startAuthorization.mutate({ deviceName });
  await approver.devices.approveAuthorization.mutate({ userCode: started.userCode });
  // After approval the first poll hands out the token; only a premature poll would hear pending/slow_down.
  for (let interval = started.interval; ; interval += 5) {
    try {
      const { token, deviceId } = await anonymous.devices.pollAuthorization.mutate({ deviceCode: started.deviceCode });
      return { deviceId, token, client: createDevPulseClient({ url, token }) };
    } catch (error) {
      const code = deviceFlowErrorOf(error);
      if (code !== "authorization_pending" && code !== "slow_down") throw error;
      await new Promise((resolve) => setTimeout(resolve, interval * 1000));
    }
  }
}

/** Runs `task` over `items` with at most `limit` in flight, keeping the order of results. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, task: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await task(items[index]!, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** Registers a user, signs in, and connects `deviceCount` devices (in parallel). */
export async function createUserWithDevices(url: string, label: string, deviceCount: number): Promise<BenchUser & { cookie: string }> {
  const email = `${label}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}@bench.example.com`;
  const address = visitorAddress();
  const user = await clientFrom(url, address).auth.register.mutate({ email, password: PASSWORD, name: label });
  const cookie = await signIn(url, email, PASSWORD, address);
  const approver = sessionClient(url, cookie);
  // Cloud sync is off until the user consents (what setting a passphrase does in the app).
  await approver.privacy.recordConsent.mutate({ type: "cloud_sync", granted: true });
  const devices = await mapLimit(
    Array.from({ length: deviceCount }, (_, index) => `${label} device ${index + 1}`),
    10,
    (name) => connectDevice(url, approver, name),
  );
  return { id: user.id, email, devices, cookie };
}
