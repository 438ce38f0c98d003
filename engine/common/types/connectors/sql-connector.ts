import { defineType } from "../../model/typedef.ts";
import { commentProp } from "../shared-props.ts";
import { parseSqlUrl, SqlUrlError } from "./sql-url.ts";

export const sqlConnectorType = defineType({
  type: "SqlConnector",
  label: "SQL connector",
  category: "connector",
  icon: "database",
  description:
    "A SQL database: PostgreSQL, MySQL/MariaDB, or the embedded SQLite database that needs no server (an empty URL). Its transactions are SQL queries.",
  accepts: ["SqlTransaction"],
  onlyIn: ["Project"],
  file: "connectors",
  transactionTypes: ["SqlTransaction"],
  props: [
    commentProp,
    {
      name: "url",
      label: "Database URL",
      kind: "string",
      default: "",
      help:
        "postgres://host:5432/db, mysql://host:3306/db (MariaDB too), sqlite:name.db (an embedded SQLite file of that name in the project's data folder), or Convertigo's jdbc: forms of them (jdbc:hsqldb:file: becomes an embedded SQLite file). " +
        "Empty: the embedded SQLite database of this connector, kept in the workspace's .atelier/sql folder. May be a ${setting}.",
      group: "Database",
      check: (v) => {
        if (typeof v !== "string" || v.includes("${")) return undefined;
        try {
          parseSqlUrl(v);
          return undefined;
        } catch (e) {
          return e instanceof SqlUrlError ? e.message : String(e);
        }
      },
    },
    {
      name: "user",
      label: "User",
      kind: "string",
      default: "",
      help: "The database user (not used by the embedded database). May be a ${setting}.",
      group: "Database",
    },
    {
      name: "password",
      label: "Password",
      kind: "string",
      default: "",
      help: "The database user's password: a secret ${setting}, never the password itself (project files are shared).",
      group: "Database",
      check: (v) =>
        typeof v === "string" && v !== "" && !/^\$\{[^}]+\}$/.test(v.trim())
          ? "Give the password through a secret setting, e.g. ${dbPassword}: a password written here would be stored in the project's files"
          : undefined,
    },
    {
      name: "poolSize",
      label: "Connections",
      kind: "integer",
      default: 5,
      min: 1,
      max: 200,
      help: "Most connections open at once to the database (the embedded database runs one query at a time).",
      group: "Limits",
    },
    {
      name: "connectTimeoutMs",
      label: "Connection time limit (ms)",
      kind: "integer",
      default: 10000,
      min: 1,
      max: 600000,
      help: "A connection not made in this time ends the run with an error.",
      group: "Limits",
    },
    {
      name: "queryTimeoutMs",
      label: "Query time limit (ms)",
      kind: "integer",
      default: 30000,
      min: 1,
      max: 3600000,
      help: "A transaction's statements not done in this time are cancelled in the database, and the run ends with an error. A transaction may set its own.",
      group: "Limits",
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
