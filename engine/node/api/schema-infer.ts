/**
 * The JSON Schema helpers of the REST API's documentation (openapi.ts, output-schemas.ts). They
 * are pure and browser-safe, so they live in engine/common/model/json-schema.ts, where the Studio's
 * binding checks read them too; this module keeps their engine-side name.
 */
export {
  DEFAULT_INFER_LIMITS,
  inferSchema,
  looksLikeName,
  mergeSchemas,
  schemaAtPath,
  schemaSize,
  type InferLimits,
  type JsonSchema,
} from "../../common/model/json-schema.ts";
