import { parseSqlUrl } from "../../../common/types/connectors/sql-url.ts";
import { decipherC8o, looksCiphered } from "../c8o-crypto.ts";
import { contentText } from "../c8o-yaml.ts";
import { indent, type Builder } from "./builder.ts";
import { always, type ClassMappers } from "./class-mapper.ts";

/**
 * Convertigo's SQL connector and transactions. Nothing connects at import or load: a connector
 * opens its database at its first query, and a transaction without a query (the "void" ones of
 * Convertigo's template projects) answers at once without opening it.
 */
export const sqlClasses: ClassMappers = {
  "connectors.SqlConnector": always("SqlConnector", sqlConnector),
  "transactions.SqlTransaction": always("SqlTransaction", sqlTransaction),
};

function sqlConnector(b: Builder): void {
  b.comment();
  const url = b.bag.str("jdbcURL", "");
  // The driver follows from the URL; Convertigo named its Java class.
  b.bag.skip("jdbcDriverClassName");
  if (url !== "") {
    b.set("url", url);
    if (!url.includes("${")) {
      try {
        const t = parseSqlUrl(url);
        if (t.driver === "sqlite" && /^jdbc:hsqldb:/i.test(url)) {
          b.note(
            `HSQLDB database ${url}: Atelier opens an embedded SQLite database instead (${t.file ?? "in memory"}), empty: HSQLDB's data is not converted`,
          );
        }
      } catch (e) {
        b.note(`database URL ${url}: ${(e as Error).message}`, true);
      }
    }
  }
  const user = b.bag.str("jdbcUserName", "");
  if (user !== "") b.set("user", user);
  const passRaw = contentText(b.bag.raw("jdbcUserPassword")) ?? "";
  if (passRaw !== "") {
    const pass = looksCiphered(passRaw) ? decipherC8o(passRaw, b.m.opts.passphrase) : passRaw;
    if (pass !== undefined && /^\$\{[^}]+\}$/.test(pass.trim())) {
      // A Convertigo symbol: a setting of that name.
      b.set("password", pass.trim());
    } else if (pass === undefined) {
      // Ciphered with another passphrase: secretSetting warns; the password is set again in Atelier.
      b.m.secretSetting(b.bean, "jdbcUserPassword", passRaw);
      b.note("the database password could not be deciphered: set password to a secret setting", true);
    } else if (pass !== "") {
      b.set("password", b.m.secretSetting(b.bean, "jdbcUserPassword", passRaw));
    }
  }
  const max = b.bag.int("jdbcMaxConnection", 10);
  if (max > 0) b.set("poolSize", Math.min(max, 200));
  if (b.isDefaultAttr()) b.set("isDefault", true);
}

/** Convertigo's xmlOutput (SqlTransaction's XML_* constants) in Atelier's output modes. */
const OUTPUT_MODES: Record<string, "rows" | "flat" | "grouped"> = { "0": "rows", "1": "grouped", "4": "flat" };

function sqlTransaction(b: Builder): void {
  b.comment();
  b.set("accessibility", b.bag.str("accessibility", b.convertigoAtLeast("8.0.0") ? "Private" : "Public"));
  b.set("authenticatedContextRequired", b.bag.bool("authenticatedContextRequired", false));
  const query = b.bag.str("sqlQuery", "");
  if (query !== "") b.set("sqlQuery", query);
  if (/\{\{[A-Za-z_][A-Za-z0-9_]*\}\}/.test(query)) {
    b.note(
      "its query writes variables into the SQL text ({{name}}), which Atelier refuses (injection): rewrite them as {name} parameters",
      true,
    );
  }
  const xmlOutput = b.bag.str("xmlOutput", "0");
  const mode = OUTPUT_MODES[xmlOutput];
  if (mode && mode !== "rows") b.set("outputMode", mode);
  if (!mode) b.note(`XML output ${xmlOutput}: answered as rows of JSON objects`);
  // XML-only shaping of the rows (Atelier answers JSON).
  b.bag.skip("xmlGrouping", "generateJsonTypes", "xmlDefaultRowTagname", "xmlDefaultColumnTagname");
  const max = b.bag.int("maxResult", 0);
  if (max > 0) b.set("maxRows", max);
  if (b.isDefaultAttr()) b.set("isDefault", true);
  const handlers = b.bag.raw("handlers");
  if (handlers !== undefined) {
    const code = contentText(handlers) ?? "";
    b.js("handlers", code);
    b.note(`its handlers (JavaScript run around the query) are not run by Atelier; their code:\n${indent(code)}`);
    b.m.warn(
      b.bean,
      "its handlers (JavaScript run around the query) are not run by Atelier (code kept in its comment)",
    );
  }
}
