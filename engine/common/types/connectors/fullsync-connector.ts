import { defineType } from "../../model/typedef.ts";
import { commentProp } from "../shared-props.ts";

export const fullSyncConnectorType = defineType({
  type: "FullSyncConnector",
  label: "FullSync connector",
  category: "connector",
  icon: "fullsync",
  description:
    "A FullSync database: devices sync it offline through /fullsync/<database>, each user receiving only the documents they may see.",
  accepts: [],
  onlyIn: ["Project"],
  file: "connectors",
  props: [
    commentProp,
    {
      name: "databaseName",
      label: "Database name",
      kind: "string",
      required: true,
      pattern: "[a-z][a-z0-9_$()+/-]*",
      help: "The CouchDB database name (lower case), served at /fullsync/<name>.",
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
      name: "isDefault",
      label: "Default connector",
      kind: "boolean",
      default: false,
      help: "Used by HTTP calls that give __transaction without __connector.",
    },
  ],
});
