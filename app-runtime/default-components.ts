/**
 * The component table render.tsx falls back on when AppOptions.components is absent: the full one
 * (components.ts), which the Studio's preview and the tests render with.
 *
 * A module of its own so that the app build can leave it out: a generated app passes its own table
 * (src/generated/components.ts), and its build (engine/node/app-builder/vite-build.mjs) replaces
 * this module with an empty table, so the app's bundle holds none of the components it does not
 * use. An app rendering without a table then shows every Ionic component as an error placeholder
 * naming it, never the wrong thing silently.
 */
export { IONIC_COMPONENTS as DEFAULT_COMPONENTS } from "./components.ts";
