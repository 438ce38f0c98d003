/**
 * Pieces of Convertigo's project files for importer tests built from excerpts of real projects.
 */

/** A source vector (`[step priority, XPath]`) as Convertigo writes it under `sourceDefinition:`. */
export function c8oSourceLines(indent: string, step: string, xpath: string): string[] {
  return [
    `${indent}- xmlizable: `,
    `${indent}  - ↑classname: com.twinsoft.convertigo.beans.common.XMLVector`,
    `${indent}  - com.twinsoft.convertigo.beans.common.XMLVector: `,
    `${indent}    - java.lang.String: `,
    `${indent}      - ↑value: ${step}`,
    `${indent}    - java.lang.String: `,
    `${indent}      - ↑value: ${xpath}`,
  ];
}
