// `npm start`, compiled into dist/start.mjs: the desktop Studio when an Electron binary is present,
// otherwise the engine serving the Studio to a browser. The desktop launcher (electron/launch.ts)
// is wired in here, since the engine may not import the shell (layer rule).
import { findElectronBinary, launchDesktop } from "../../electron/launch.ts";
import { start } from "../../engine/node/cli/start.ts";
import { installPaths } from "./paths.ts";

const paths = installPaths();
process.exitCode = await start(process.argv.slice(2), {
  paths,
  desktop: {
    findBinary: () => findElectronBinary(paths.root),
    launch: (binary, args) => launchDesktop(binary, args),
  },
});
