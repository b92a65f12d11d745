import { createServer, connect, type AddressInfo, type Socket } from "node:net";

/**
 * A TCP relay to a local service (Postgres, Redis), so a test can take the service away under the
 * app: `stop()` cuts every connection and stops listening, so the address refuses connections as a
 * stopped server does; `start()` listens again on the same port, as the server coming back.
 */
export async function tcpRelay(targetPort: number, targetHost = "127.0.0.1") {
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = connect(targetPort, targetHost);
    sockets.add(client).add(upstream);
    const cut = () => (client.destroy(), upstream.destroy());
    client.on("error", cut).on("close", cut);
    upstream.on("error", cut).on("close", cut);
    client.pipe(upstream).pipe(client);
  });
  const listen = (port: number) => new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  await listen(0);
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    stop: async () => {
      for (const socket of sockets) socket.destroy();
      sockets.clear();
      await new Promise((resolve) => server.close(resolve));
    },
    start: () => listen(port),
  };
}
