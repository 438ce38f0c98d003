import { createServer, type Server, type Socket, connect } from "node:net";
import type { AddressInfo } from "node:net";

/**
 * A loopback TCP proxy in front of the engine that a test can cut, as a network going down.
 * Playwright's `context.setOffline(true)` does not stop a service worker's own fetches in
 * Chromium (microsoft/playwright#2311), so offline tests use both: setOffline for the page's
 * view of the network (navigator.onLine), and the cut so nothing reaches the engine at all.
 */
export interface NetSwitch {
  /** `http://127.0.0.1:<port>`: the engine's origin as the browser sees it. */
  origin: string;
  /** Closes every open connection and refuses new ones until `restore`. */
  cut(): void;
  restore(): void;
  close(): Promise<void>;
}

export async function startNetSwitch(target: { host: string; port: number }): Promise<NetSwitch> {
  let down = false;
  const open = new Set<Socket>();
  const server: Server = createServer((client) => {
    if (down) {
      client.destroy();
      return;
    }
    const upstream = connect(target.port, target.host);
    open.add(client);
    open.add(upstream);
    const drop = () => {
      client.destroy();
      upstream.destroy();
      open.delete(client);
      open.delete(upstream);
    };
    client.on("error", drop).on("close", drop);
    upstream.on("error", drop).on("close", drop);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    origin: `http://127.0.0.1:${port}`,
    cut() {
      down = true;
      for (const s of open) s.destroy();
      open.clear();
    },
    restore() {
      down = false;
    },
    async close() {
      down = true;
      for (const s of open) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
