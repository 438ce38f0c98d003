import type { TypeName } from "../../../common/types/index.ts";
import type { ClassMapper, ClassMappers } from "./class-mapper.ts";
import { httpConnectorClasses } from "./connectors-http.ts";
import { fullSyncClasses } from "./fullsync.ts";
import { projectClasses } from "./project.ts";
import { referenceClasses } from "./references.ts";
import { restClasses } from "./rest.ts";
import { sequenceClasses } from "./sequences.ts";
import { sqlClasses } from "./sql.ts";
import { callStepClasses } from "./steps-calls.ts";
import { conditionStepClasses } from "./steps-conditions.ts";
import { outputStepClasses } from "./steps-output.ts";
import { sessionStepClasses } from "./steps-session.ts";
import { stepClasses } from "./steps.ts";
import { uiClasses } from "./ui.ts";
import { xmlStepClasses } from "./steps-xml.ts";
import { variableClasses } from "./variables.ts";

/** Every family's table. Mapping a new Convertigo class: add it to its family's table. */
const FAMILIES: readonly ClassMappers[] = [
  projectClasses,
  sequenceClasses,
  httpConnectorClasses,
  fullSyncClasses,
  sqlClasses,
  variableClasses,
  stepClasses,
  conditionStepClasses,
  outputStepClasses,
  xmlStepClasses,
  callStepClasses,
  sessionStepClasses,
  referenceClasses,
  restClasses,
  uiClasses,
];

/** Own keys only (a Map): a class read from a file, such as "constructor", never finds Object's. */
const BY_CLASS: ReadonlyMap<string, ClassMapper> = (() => {
  const m = new Map<string, ClassMapper>();
  for (const family of FAMILIES) {
    for (const [cls, mapper] of Object.entries(family)) {
      if (m.has(cls)) throw new Error(`The Convertigo class ${cls} is mapped twice`);
      m.set(cls, mapper);
    }
  }
  return m;
})();

/** How a Convertigo class is imported; undefined for a class that becomes Foreign. */
export function classMapperFor(cls: string): ClassMapper | undefined {
  return BY_CLASS.get(cls);
}

/** The mapped classes, for tests. */
export function mappedClasses(): ReadonlyMap<string, ClassMapper> {
  return BY_CLASS;
}

/**
 * Atelier types that no Convertigo class becomes, each with the reason. A new type goes in a
 * family's table or here (class-mappers.test.ts fails until it is in one of them).
 */
export const TYPES_WITHOUT_CONVERTIGO_CLASS: Readonly<Partial<Record<TypeName, string>>> = {
  Setting:
    "Convertigo's symbols live in the server's configuration, not in the project; the importer creates secret settings for ciphered values itself",
  Foreign: "what every Convertigo object without a native type becomes",
  CheckPassword:
    "Convertigo checks passwords in JavaScript (or LDAP steps, kept foreign); Atelier's step has no Convertigo counterpart",
  FullSyncAddUserToGroup:
    "Convertigo manages FullSync groups with the sequences of its lib_FullSyncGrp library (imported as sequences), not with a step",
  FullSyncRemoveUserFromGroup: "as FullSyncAddUserToGroup: lib_FullSyncGrp's sequences, not a step",
  FullSyncGroupsOf: "as FullSyncAddUserToGroup: lib_FullSyncGrp's sequences, not a step",
  FullSyncUsersOf: "as FullSyncAddUserToGroup: lib_FullSyncGrp's sequences, not a step",
  SoapConnector:
    "Convertigo has no SOAP connector class: it calls SOAP services with HTTP connectors and XmlHttpTransactions holding the envelope, which the importer maps as such",
  SoapTransaction: "as SoapConnector: Convertigo's SOAP calls are XmlHttpTransactions of an HTTP connector",
};
