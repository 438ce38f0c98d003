import { findById, type ObjNode } from "../../common/model/node.ts";
import type { Engine } from "../engine.ts";
import { resolvedProp } from "../runtime/interpreter.ts";
import { StudioError } from "./studio-service.ts";

/**
 * A connector a Studio action works on (Import WSDL, Test connection...), found by id and type,
 * with its properties read as its transactions read them (settings resolved): 404 when the
 * project has no such connector, 400 when a setting it names cannot be resolved.
 */
export function connectorForAction(
  engine: Engine,
  project: string,
  connectorId: string,
  type: string,
  what: string,
): { connector: ObjNode; lookup: (name: string) => string | undefined; prop: (name: string) => unknown } {
  const p = engine.workspace.get(project);
  if (!p) throw new StudioError(404, "unknown_project", `No project named "${project}"`);
  const connector = findById(p.root, connectorId);
  if (!connector || connector.type !== type) {
    const code = `not_${what.toLowerCase()}_connector`;
    throw new StudioError(404, code, `The project "${project}" has no ${what} connector ${connectorId}`);
  }
  const { lookup } = engine.settingsFor(p.root);
  const prop = (name: string) => {
    try {
      return resolvedProp(connector, name, lookup);
    } catch (e) {
      throw new StudioError(400, "invalid_setting", (e as Error).message);
    }
  };
  return { connector, lookup, prop };
}
