import type { DesignDocDecl, FullSyncDatabaseDecl } from "../../../embedded-db/api.ts";
import type { ObjNode } from "../../common/model/node.ts";
import { propOrDefault } from "../../common/model/registry.ts";
import { describe } from "../runtime/interpreter.ts";
import type { LoadedProject } from "../project/project-files.ts";

const DB_NAME = /^[a-z][a-z0-9_$()+-]{0,237}$/;

/** A FullSync connector of a loaded project, with its database name. */
export interface FullSyncConnectorRef {
  project: string;
  connector: ObjNode;
  db: string;
}

/** Every FullSync connector of the loaded projects that names a valid database. */
export function fullSyncConnectors(
  projects: Iterable<LoadedProject>,
  warn?: (message: string, project: string) => void,
): FullSyncConnectorRef[] {
  const out: FullSyncConnectorRef[] = [];
  for (const p of projects) {
    for (const c of p.root.children) {
      if (c.type !== "FullSyncConnector") continue;
      const db = c.props.databaseName;
      if (typeof db !== "string" || !DB_NAME.test(db)) {
        warn?.(
          `FullSync connector "${c.name}" of ${p.name}: its database name ${JSON.stringify(db ?? "")} is not valid (a lower-case letter, then lower-case letters, digits and _$()+-); it is not served`,
          p.name,
        );
        continue;
      }
      out.push({ project: p.name, connector: c, db });
    }
  }
  return out;
}

function designDocsOf(connector: ObjNode, project: string, warn?: (m: string, p: string) => void): DesignDocDecl[] {
  const docs: DesignDocDecl[] = [];
  for (const d of connector.children) {
    if (d.type !== "FullSyncDesignDocument") continue;
    if (d.issues?.length) {
      warn?.(
        `${describe(d)} of ${project}.${connector.name} is invalid (${d.issues[0]?.message}); not installed`,
        project,
      );
      continue;
    }
    const views: DesignDocDecl["views"] = {};
    for (const v of d.children) {
      if (v.type !== "FullSyncView") continue;
      const map = v.props.map;
      if (v.issues?.length || typeof map !== "string") {
        warn?.(
          `${describe(v)} of ${project}.${connector.name}/${d.name} is invalid (${v.issues?.[0]?.message ?? "no map function"}); left out`,
          project,
        );
        continue;
      }
      const reduce = v.props.reduce;
      views[v.name] = typeof reduce === "string" && reduce.trim() !== "" ? { map, reduce: reduce.trim() } : { map };
    }
    docs.push({ name: d.name, views });
  }
  return docs;
}

function sameDesignDoc(a: DesignDocDecl, b: DesignDocDecl): boolean {
  return JSON.stringify(a.views) === JSON.stringify(b.views);
}

/**
 * The databases the loaded projects declare, for the FullSync server. Several connectors may
 * name one database: their design documents are merged (the first wins on a name clash) and the
 * strictest settings win (anonymous replication only if every connector allows it).
 */
export function fullSyncDeclarations(
  projects: Iterable<LoadedProject>,
  warn?: (message: string, project: string) => void,
): FullSyncDatabaseDecl[] {
  const byDb = new Map<string, FullSyncDatabaseDecl>();
  for (const { project, connector, db } of fullSyncConnectors(projects, warn)) {
    const anonymous = propOrDefault<string>(connector, "anonymousReplication") === "allow";
    const revs = Number(propOrDefault(connector, "revsLimit"));
    const revsLimit = Number.isInteger(revs) && revs >= 1 ? revs : 10;
    const designDocs = designDocsOf(connector, project, warn);
    const existing = byDb.get(db);
    if (!existing) {
      byDb.set(db, {
        name: db,
        anonymousReplication: anonymous,
        revsLimit,
        project,
        connector: connector.name,
        designDocs,
      });
      continue;
    }
    const where = `${project}.${connector.name}`;
    const first = `${existing.project}.${existing.connector}`;
    if (existing.anonymousReplication !== anonymous) {
      warn?.(
        `FullSync database "${db}": ${where} and ${first} disagree on anonymous replication; it is denied`,
        project,
      );
      existing.anonymousReplication = false;
    }
    if (existing.revsLimit !== revsLimit) {
      warn?.(
        `FullSync database "${db}": ${where} and ${first} give different revision limits; ${first}'s is kept`,
        project,
      );
    }
    for (const d of designDocs) {
      const same = existing.designDocs?.find((x) => x.name === d.name);
      if (!same) (existing.designDocs ??= []).push(d);
      else if (!sameDesignDoc(same, d)) {
        warn?.(
          `FullSync database "${db}": the design document "${d.name}" of ${where} differs from ${first}'s; ${first}'s is installed`,
          project,
        );
      }
    }
  }
  return [...byDb.values()].sort((a, b) => a.name.localeCompare(b.name));
}
