// A TCP proxy a test can cut: in front of storage or the database, `down()` drops every open
// connection and refuses new ones (the service is unreachable), `up()` lets traffic through again.
import net from "node:net";

export interface FaultProxy {
  /** host:port to use instead of the target's. */
  host: string;
  port: number;
  up(): void;
  down(): void;
  close(): Promise<void>;
}

export async function startFaultProxy(target: { host: string; port: number }): Promise<FaultProxy> {
  let open = true;
  const sockets = new Set<net.Socket>();
  const track = (socket: net.Socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  };
  const server = net.createServer((client) => {
    if (!open) {
      client.resetAndDestroy();
      return;
    }
    const upstream = net.connect(target.port, target.host);
    track(client);
    track(upstream);
    client.on("error", () => upstream.destroy());
    upstream.on("error", () => client.destroy());
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    host: "127.0.0.1",
    port,
    up: () => {
      open = true;
    },
    down: () => {
      open = false;
      for (const socket of sockets) socket.resetAndDestroy();
    },
    close: async () => {
      open = false;
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
