import { defineType } from "../../model/typedef.ts";
import { commentProp } from "../shared-props.ts";

/** The database where FullSync keeps group membership (Convertigo's FullSyncGrp). */
export const GROUPS_DATABASE = "c8ofullsyncgrp";

/** The transaction types a FullSync connector holds. */
export const FULLSYNC_TRANSACTION_TYPES = [
  "FullSyncGetDocument",
  "FullSyncPostDocument",
  "FullSyncPostBulkDocuments",
  "FullSyncDeleteDocument",
  "FullSyncAllDocs",
  "FullSyncGetView",
  "FullSyncFind",
] as const;

export const fullSyncConnectorType = defineType({
  type: "FullSyncConnector",
  label: "FullSync connector",
  category: "connector",
  icon: "fullsync",
  description:
    "A FullSync database: devices sync it offline through /fullsync/<database>, each user receiving only the documents they may see.",
  accepts: [...FULLSYNC_TRANSACTION_TYPES, "FullSyncDesignDocument", "FullSyncListener"],
  onlyIn: ["Project"],
  file: "connectors",
  transactionTypes: FULLSYNC_TRANSACTION_TYPES,
  version: 2,
  migrations: [
    {
      to: 2,
      description:
        "documentErrors says what transactions do with a missing document or an update conflict (fail, the default)",
      up: (props) => props,
    },
  ],
  props: [
    commentProp,
    {
      name: "databaseName",
      label: "Database name",
      kind: "string",
      required: true,
      pattern: "[a-z][a-z0-9_$()+-]{0,237}",
      help: `The CouchDB database name (a lower-case letter, then lower-case letters, digits and _$()+-), served at /fullsync/<name>. ${GROUPS_DATABASE} is FullSync's group membership database (as Convertigo's lib_FullSyncGrp uses it): its transactions reach it, devices never sync it.`,
    },
    {
      name: "anonymousReplication",
      label: "Anonymous replication",
      kind: "enum",
      values: ["allow", "deny"],
      default: "deny",
      help: "allow: sessions without an authenticated user may sync the public documents.",
    },
    {
      name: "revsLimit",
      label: "Revision limit",
      kind: "integer",
      default: 10,
      min: 1,
      max: 1000,
      help: "How many revisions of each document the database keeps.",
    },
    {
      name: "documentErrors",
      label: "Document errors",
      kind: "enum",
      values: ["fail", "answer"],
      default: "fail",
      help: 'What its transactions do when the database refuses a document operation (no such document, update conflict): "fail" ends the run with the error; "answer" answers CouchDB\'s error as the transaction\'s data ({"error": "conflict", "reason": ...}), as Convertigo\'s CouchDB transactions do (imported projects test it with If exists steps). Other errors always fail.',
    },
    {
      name: "isDefault",
      label: "Default connector",
      kind: "boolean",
      default: false,
      help: "Used by HTTP calls that give __transaction without __connector.",
    },
  ],
  check: (node) => {
    const issues: string[] = [];
    for (const type of ["FullSyncDesignDocument", "FullSyncListener"]) {
      const seen = new Set<string>();
      for (const c of node.children) {
        if (c.type !== type) continue;
        if (seen.has(c.name)) {
          issues.push(`Two ${type === "FullSyncListener" ? "listeners" : "design documents"} are named "${c.name}"`);
        }
        seen.add(c.name);
      }
    }
    return issues;
  },
});
