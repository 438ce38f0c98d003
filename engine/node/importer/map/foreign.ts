import type { ObjNode } from "../../../common/model/node.ts";
import { contentAttr, contentText, type C8oBean, type C8oContent } from "../c8o-yaml.ts";
import type { SecretKeeper } from "./prop-bag.ts";

/**
 * Foreign objects: what the importer makes of a Convertigo object Atelier cannot run. It keeps
 * the class and every property (secrets moved to settings), so nothing is lost and the object
 * can be mapped by a later version.
 */

/** Properties of Convertigo objects that always hold a ciphered secret. */
const SECRET_PROPS: Record<string, readonly string[]> = {
  authPassword: ["connectors.HttpConnector", "connectors.ProxyHttpConnector", "connectors.SiteClipperConnector"],
  couchPassword: ["connectors.CouchDbConnector", "connectors.FullSyncConnector"],
  jdbcUserPassword: ["connectors.SqlConnector"],
  password: ["connectors.SapJcoConnector", "steps.LDAPAuthenticationStep"],
  adminPassword: ["steps.LDAPAuthenticationStep"],
  userPassword: ["connectors.CicsConnector", "transactions.CicsTransaction"],
  smtpPassword: ["steps.SmtpStep"],
};

/**
 * Classes of Convertigo's mobile applications (screens, components, build platforms): the UI
 * builder's part, not the back end's.
 */
export function isApplicationClass(cls: string): boolean {
  return /^(?:mobile|ngx|mobileplatforms)\./.test(cls) || cls === "core.MobileApplication";
}

/** Why a class no table maps is foreign, by its family. */
export function foreignReason(cls: string): string {
  if (cls.startsWith("connectors.")) return "a connector of a kind Atelier does not run";
  if (cls.startsWith("transactions.couchdb.")) return "a FullSync/CouchDB transaction, not yet an Atelier type";
  if (cls.startsWith("transactions.")) return "a transaction of a kind Atelier does not run";
  if (cls.startsWith("steps.")) return "a step with no Atelier equivalent";
  if (isApplicationClass(cls)) return "a mobile application component";
  if (cls.startsWith("couchdb.")) return "a FullSync design document or listener, not yet an Atelier type";
  if (cls.startsWith("rest.") || cls === "core.UrlMapper") return "a URL mapper object, not yet an Atelier type";
  if (cls.startsWith("references.")) return "a schema reference (XSD, WSDL...): Atelier has no XML schemas";
  return "no Atelier equivalent";
}

/** What building a foreign object needs of the mapper. */
export interface ForeignKeeper extends SecretKeeper {
  isMaskedVariable(bean: C8oBean): boolean;
}

/** A Foreign object keeping a Convertigo object's class, attributes, properties and texts. */
export function foreignNode(bean: C8oBean, id: string, reason: string, keeper: ForeignKeeper): ObjNode {
  const properties: Record<string, unknown> = {};
  const put = (key: string, value: unknown) => {
    let k = key;
    let i = 2;
    while (Object.prototype.hasOwnProperty.call(properties, k)) k = `${key}#${i++}`;
    properties[k] = value;
  };
  for (const [k, v] of bean.attrs) put(`↑${k}`, v);
  for (const p of bean.props) put(p.name, protectSecrets(bean, p.name, p.value, keeper));
  for (const t of bean.texts) put(t.kind, t.value);
  return {
    id,
    type: "Foreign",
    name: bean.name,
    props: {
      class: bean.cls,
      properties,
      note: `Kept from Convertigo: ${reason}. Atelier shows it and saves it unchanged, but cannot run it.`,
    },
    children: [],
  };
}

/** Replaces ciphered or secret values in a foreign property by a ${setting} placeholder. */
function protectSecrets(bean: C8oBean, prop: string, value: C8oContent, keeper: ForeignKeeper): C8oContent {
  const flagged = contentAttr(value, "ciphered") === "true";
  // Own keys only: a property named "constructor" must not reach Object's.
  const known = Object.hasOwn(SECRET_PROPS, prop) && (SECRET_PROPS[prop]?.includes(bean.cls) ?? false);
  const maskedVar = prop === "value" && bean.cls.startsWith("variables.") && keeper.isMaskedVariable(bean);
  if (!flagged && !known && !maskedVar) return value;
  const text = contentText(value);
  if (text === undefined || text === "") return value;
  const placeholder = keeper.secretSetting(bean, prop, text);
  if (placeholder === text) return value;
  if (typeof value === "string") return placeholder;
  return value.map((item) => ("→→" in item ? { "→→": placeholder } : "→" in item ? { "→": placeholder } : item));
}
