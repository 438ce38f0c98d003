// The page of e2e/convertigo-sdk.spec.ts: Convertigo's own SDK, bundled as an app bundles it.
// The spec drives it through `globalThis.c8oSdk` (nothing here imitates the SDK).
import { C8o } from "c8osdkvuejs";
import { C8oLogLevel, C8oSettings } from "c8osdkjscore";

globalThis.c8oSdk = { C8o, C8oSettings, C8oLogLevel };
