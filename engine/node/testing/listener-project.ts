import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { stringify } from "yaml";

/**
 * Project P of the FullSync listener tests, written into `dir/P`: database `shop` (a view of the
 * orders, a Post transaction), a listener whose sequence Send PUTs each order to a back end at
 * `/orders/<id>/<setting server>`, Seed (the engine writing an order itself) and Login (a device's
 * user in the session).
 */
export async function writeListenerProject(dir: string, backendPort: number): Promise<string> {
  const p = path.join(dir, "P");
  await mkdir(path.join(p, "connectors"), { recursive: true });
  await mkdir(path.join(p, "sequences"), { recursive: true });
  await writeFile(
    path.join(p, "project.yaml"),
    stringify({
      atelier: 1,
      type: "Project",
      name: "P",
      id: "p",
      children: [{ type: "Setting", name: "server", id: "set-server", value: "?" }],
    }),
  );
  await writeFile(
    path.join(p, "connectors", "Db.yaml"),
    stringify({
      type: "FullSyncConnector",
      name: "Db",
      id: "c-db",
      databaseName: "shop",
      children: [
        {
          type: "FullSyncDesignDocument",
          name: "d",
          id: "dd",
          children: [
            {
              type: "FullSyncView",
              name: "orders",
              id: "dd-orders",
              map: 'function (doc) { if (doc.type === "order") emit(doc._id, null); }',
            },
          ],
        },
        {
          type: "FullSyncPostDocument",
          name: "Post",
          id: "tx-post",
          aclPolicy: "fromKeyC8oAcl",
          writePolicy: "override",
        },
        {
          type: "FullSyncListener",
          name: "ToBackend",
          id: "l-back",
          targetSequence: "Send",
          designDocument: "d",
          view: "orders",
          chunkSize: 5,
          maxRetries: 0,
        },
      ],
    }),
  );
  await writeFile(
    path.join(p, "connectors", "Backend.yaml"),
    stringify({
      type: "HttpConnector",
      name: "Backend",
      id: "c-back",
      server: "127.0.0.1",
      port: backendPort,
      timeoutMs: 60_000,
      children: [
        {
          type: "JsonHttpTransaction",
          name: "Put",
          id: "tx-put",
          verb: "PUT",
          path: "/orders/{id}/{by}",
          children: [
            { type: "Variable", name: "id", id: "v-id", required: true, httpUse: "none" },
            { type: "Variable", name: "by", id: "v-by", required: true, httpUse: "none" },
          ],
        },
      ],
    }),
  );
  await writeFile(
    path.join(p, "sequences", "Send.yaml"),
    stringify({
      type: "Sequence",
      name: "Send",
      id: "seq-send",
      accessibility: "Private",
      children: [
        { type: "Variable", name: "doc", id: "v-doc", dataType: "json", multiValued: true },
        {
          type: "Iterator",
          name: "Each",
          id: "st-each",
          expression: "doc",
          itemName: "order",
          children: [
            {
              type: "CallTransaction",
              name: "Put",
              id: "st-put",
              connector: "Backend",
              transaction: "Put",
              children: [
                { type: "StepVariable", name: "id", id: "sv-id", expression: "order._id" },
                { type: "StepVariable", name: "by", id: "sv-by", expression: 'setting("server")' },
              ],
            },
          ],
        },
      ],
    }),
  );
  // A sequence of the engine writing an order (with the listener's view in mind): no run.
  await writeFile(
    path.join(p, "sequences", "Seed.yaml"),
    stringify({
      type: "Sequence",
      name: "Seed",
      id: "seq-seed",
      children: [
        { type: "Variable", name: "id", id: "v-seed-id" },
        {
          type: "CallTransaction",
          name: "Post",
          id: "st-post",
          connector: "Db",
          transaction: "Post",
          children: [
            {
              type: "StepVariable",
              name: "data",
              id: "sv-data",
              expression: '({ _id: id, type: "order", _c8oAcl: "alice" })',
            },
          ],
        },
      ],
    }),
  );
  await writeFile(
    path.join(p, "sequences", "Login.yaml"),
    stringify({
      type: "Sequence",
      name: "Login",
      id: "seq-login",
      children: [
        { type: "Variable", name: "user", id: "v-login-user" },
        { type: "SetAuthenticatedUser", name: "set", id: "st-login-set", expression: "user" },
      ],
    }),
  );
  return p;
}
