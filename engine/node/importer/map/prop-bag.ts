import { contentText, type C8oBean, type C8oContent } from "../c8o-yaml.ts";
import {
  readSmartType,
  readVector,
  sourceOfVector,
  type C8oSource,
  type SmartValue,
  type Vector,
} from "../c8o-values.ts";

/** A text property of a Convertigo object (its default when absent or not a text). */
export function beanStr(bean: C8oBean, prop: string, dflt: string): string {
  const p = bean.props.find((x) => x.name === prop);
  return p === undefined ? dflt : (contentText(p.value) ?? dflt);
}

/** A boolean property of a Convertigo object (its default when absent). */
export function beanBool(bean: C8oBean, prop: string, dflt: boolean): boolean {
  const v = contentText(bean.props.find((p) => p.name === prop)?.value);
  return v === undefined ? dflt : v === "true";
}

/** Where secrets go: a secret Setting, named by the answer's `${placeholder}`. */
export interface SecretKeeper {
  secretSetting(bean: C8oBean, prop: string, stored: string): string;
}

/**
 * Reads a Convertigo object's properties, remembering which were used: the ones nothing used
 * are listed in the Atelier object's comment, so nothing is dropped silently.
 */
export class PropBag {
  private readonly used = new Set<string>();
  constructor(
    readonly bean: C8oBean,
    private readonly keeper: SecretKeeper,
  ) {}

  has(name: string): boolean {
    return this.bean.props.some((p) => p.name === name);
  }

  raw(name: string): C8oContent | undefined {
    this.used.add(name);
    return this.bean.props.find((p) => p.name === name)?.value;
  }

  str(name: string, dflt: string): string {
    const v = this.raw(name);
    return v === undefined ? dflt : (contentText(v) ?? dflt);
  }

  bool(name: string, dflt: boolean): boolean {
    const v = this.raw(name);
    if (v === undefined) return dflt;
    return contentText(v) === "true";
  }

  int(name: string, dflt: number): number {
    const t = this.str(name, String(dflt)).trim();
    const n = Number(t);
    return t !== "" && Number.isInteger(n) ? n : dflt;
  }

  smart(name: string, dflt: SmartValue = { mode: "PLAIN", text: "" }): SmartValue {
    return readSmartType(this.raw(name), dflt);
  }

  source(name = "sourceDefinition"): C8oSource | undefined {
    return sourceOfVector(readVector(this.raw(name)));
  }

  vector(name: string): Vector | undefined {
    return readVector(this.raw(name));
  }

  /** Marks properties as handled without reading them. */
  skip(...names: string[]): void {
    for (const n of names) this.used.add(n);
  }

  /** Properties given in the file that nothing used. */
  leftovers(): { name: string; value: C8oContent }[] {
    return this.bean.props.filter((p) => !this.used.has(p.name)).map((p) => ({ name: p.name, value: p.value }));
  }

  secret(name: string): string | undefined {
    const v = this.raw(name);
    const text = contentText(v);
    if (text === undefined || text === "") return undefined;
    return this.keeper.secretSetting(this.bean, name, text);
  }
}
