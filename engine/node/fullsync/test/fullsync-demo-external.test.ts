/**
 * The FullSync scenario, end to end (demo-scenario.ts), over an external CouchDB-compatible
 * server (express-pouchdb in a child process) that asks for an admin password.
 */
import { expect } from "vitest";
import { fullSyncDemoScenario } from "./demo-scenario.ts";
import { startCouchPeer } from "./couch-peer.ts";

const credentials = { user: "admin", password: `pw-demo-${process.pid}` };
let peerUrl = "";

fullSyncDemoScenario(
  "external CouchDB with an admin password",
  async () => {
    const peer = await startCouchPeer(credentials);
    peerUrl = peer.url;
    return {
      options: { couch: { url: peer.url, username: credentials.user, password: credentials.password } },
      stop: peer.stop,
    };
  },
  {
    title: "(7) the data is in the CouchDB, closed to anyone but its user, and the link stayed up",
    check: async (app) => {
      expect(app.fullsync?.placement).toMatch(/^external CouchDB at http:\/\/127\.0\.0\.1:\d+\/ as admin$/);
      expect(app.fullsync!.status().health).toEqual({ database: "up", waiting: [], warnings: [] });
      const auth = `Basic ${Buffer.from(`${credentials.user}:${credentials.password}`).toString("base64")}`;
      const doc = await fetch(`${peerUrl}/fullsyncdemo/order-1`, { headers: { authorization: auth } });
      expect(await doc.json()).toMatchObject({ "~c8oAcl": "alice", qty: 7 });
      expect((await fetch(`${peerUrl}/fullsyncdemo/order-1`)).status).toBe(401);
      const security = await fetch(`${peerUrl}/fullsyncdemo/_security`, { headers: { authorization: auth } });
      expect(await security.json()).toEqual({
        admins: { names: ["admin"], roles: [] },
        members: { names: ["admin"], roles: [] },
      });
      const limit = await fetch(`${peerUrl}/fullsyncdemo/_revs_limit`, { headers: { authorization: auth } });
      // The connector's revision limit (default 10), applied by the CouchDB (never left unlimited).
      expect(await limit.json()).toBe(10);
      const text = app.engine.log
        .recent()
        .map((l) => l.message)
        .join("\n");
      expect(text).not.toContain(credentials.password);
      expect(text).not.toMatch(/\[object Object\]|cannot be used|revision limit/);
    },
  },
);
