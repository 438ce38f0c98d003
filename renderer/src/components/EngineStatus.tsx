import { useEffect, useState } from "react";
import type { EngineStatus as Status } from "../../../engine/common/studio/requests.ts";
import { api, ApiError } from "../api.ts";
import { durationText } from "../run-model.ts";
import { useStudio } from "../store.ts";

/** How often a lost engine is asked whether it is back (and whether this window is still signed in). */
const PROBE_MS = 3000;

/**
 * The engine's state, always in the top bar: connected (with its uptime) or reconnecting (the
 * events stream reconnects by itself: a restarted engine on the same port with the same token
 * finds the window signed in), or signed out (it restarted with another token). The tooltip
 * names the engine, its workspace, version and process.
 */
export function EngineStatus() {
  const connected = useStudio((s) => s.connected);
  const [status, setStatus] = useState<Status & { offset: number }>();
  const [signedOut, setSignedOut] = useState(false);
  const [now, setNow] = useState(() => Date.now());

  // Each (re)connection: the engine may have restarted, so its start time is asked again.
  useEffect(() => {
    if (!connected) return;
    setSignedOut(false);
    let stale = false;
    api.status().then(
      (s) => !stale && setStatus({ ...s, offset: Date.now() - s.now }),
      () => undefined,
    );
    const tick = setInterval(() => setNow(Date.now()), 5000);
    return () => {
      stale = true;
      clearInterval(tick);
    };
  }, [connected]);

  // While disconnected: is the engine back but refusing this window (another token)?
  useEffect(() => {
    if (connected) return;
    const probe = setInterval(() => {
      api.status().then(
        () => setSignedOut(false),
        (e: unknown) => setSignedOut(e instanceof ApiError && e.status === 401),
      );
    }, PROBE_MS);
    return () => clearInterval(probe);
  }, [connected]);

  const state = connected ? "connected" : signedOut ? "signed-out" : "reconnecting";
  const uptime = status ? Math.max(0, now - status.offset - status.startedAt) : undefined;
  const title = status
    ? [
        `Engine ${status.url} (Atelier ${status.version}, process ${status.pid})`,
        `Workspace: ${status.workspace}`,
        `Started ${new Date(status.startedAt + status.offset).toLocaleString()}`,
        connected ? "Connected: changes and logs arrive live" : "Not connected: the Studio retries by itself",
      ].join("\n")
    : undefined;
  return (
    <span
      className={`engine-status ${state}`}
      role="status"
      aria-label="Engine status"
      data-state={state}
      title={title}
    >
      <span className="engine-dot" aria-hidden="true" />
      {state === "connected"
        ? `Engine up${uptime === undefined ? "" : uptime < 1000 ? " (just started)" : ` ${durationText(uptime)}`}`
        : state === "signed-out"
          ? "Signed out: the engine restarted with a new link; open the one it printed"
          : "Reconnecting to the engine…"}
    </span>
  );
}
