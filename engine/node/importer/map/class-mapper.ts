import type { TypeName } from "../../../common/types/index.ts";
import type { C8oBean } from "../c8o-yaml.ts";
import type { Builder } from "./builder.ts";

/** What the importer makes of one Convertigo object. */
export interface Decision {
  /**
   * Atelier type, "Foreign", the pseudo-type "TestCaseVariable" (folded into its test case), or
   * "Folded": no object of its own, what it says is read by its parent's builder (a UI control
   * variable becomes an input of its action); counted as mapped.
   */
  type: string;
  reason?: string;
  /** For "Folded": its children are built in its place, under its parent (Convertigo's wrappers). */
  hoist?: boolean;
}

/**
 * How the objects of one Convertigo class are imported. Each family of classes (steps,
 * variables, FullSync...) has its module under map/ exporting a table of these; the mapper looks
 * a class up there, and a class found nowhere becomes Foreign.
 */
export interface ClassMapper {
  /**
   * The Atelier types it makes, Foreign aside: its objects' own and those it creates for them
   * (a design document's views). class-mappers.test.ts checks every type is someone's.
   */
  types: readonly (TypeName | "TestCaseVariable" | "Folded")[];
  /** Chooses the type of one object: Foreign, with a reason, when Atelier cannot hold what it says. */
  decide(bean: C8oBean): Decision;
  /** Fills the native object: properties, notes, and its children when it builds them itself. */
  build(b: Builder): void;
  /**
   * Convertigo's default for the object's `output` flag, for classes whose flag is compared with
   * what the Atelier type does (a difference is reported); absent: the flag is not compared.
   */
  output?: boolean;
}

/** A family's mappers by Convertigo class (without `com.twinsoft.convertigo.beans.`). */
export type ClassMappers = Readonly<Record<string, ClassMapper>>;

/** A class that always becomes one type. */
export function always(
  type: TypeName,
  build: (b: Builder) => void,
  extra: Pick<ClassMapper, "output"> = {},
): ClassMapper {
  return { types: [type], decide: () => ({ type }), build, ...extra };
}
