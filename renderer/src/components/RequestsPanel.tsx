import { useEffect, useRef, useState, type ReactNode } from "react";
import type { TraceEntry } from "../../../engine/common/model/trace.ts";
import type { RequestDetail, RequestList } from "../../../engine/common/studio/requests.ts";
import { api } from "../api.ts";
import { durationText, statusKind, timeOfDay } from "../run-model.ts";
import { notify } from "../store.ts";

/** How often the open tab asks for new calls (only when something changed does it get them). */
const POLL_MS = 1000;
const SHOWN = 300;

/**
 * The Requests tab: HTTP calls to this engine's /projects and /services (method, path, the
 * sequence asked for, status, duration, user, run id), newest first, filtered by text and status;
 * a click shows the call's trace (recorded while "Record traces" is on) in the trace view.
 */
export function RequestsPanel({ renderTrace }: { renderTrace: (trace: TraceEntry[]) => ReactNode }) {
  const [q, setQ] = useState("");
  const [status, setStatus] = useState("");
  const [list, setList] = useState<RequestList>();
  const [problem, setProblem] = useState<string>();
  const [selected, setSelected] = useState<number>();
  const [detail, setDetail] = useState<RequestDetail | { id: number; missing: string }>();
  const [reload, setReload] = useState(0);
  const version = useRef<number | undefined>(undefined);

  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    // New filters: the whole list again.
    version.current = undefined;
    const load = async () => {
      if (document.visibilityState !== "hidden") {
        try {
          const r = await api.requests({
            limit: String(SHOWN),
            ...(q.trim() ? { q: q.trim() } : {}),
            ...(status ? { status } : {}),
            ...(version.current !== undefined ? { unchangedSince: String(version.current) } : {}),
          });
          if (stopped) return;
          version.current = r.version;
          if (!r.unchanged) setList(r);
          setProblem(undefined);
        } catch (e) {
          if (!stopped) setProblem((e as Error).message);
        }
      }
      if (!stopped) timer = setTimeout(() => void load(), POLL_MS);
    };
    void load();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [q, status, reload]);

  useEffect(() => {
    if (selected === undefined) {
      setDetail(undefined);
      return;
    }
    let stale = false;
    api.request(selected).then(
      (d) => !stale && setDetail(d),
      (e: Error) => !stale && setDetail({ id: selected, missing: e.message }),
    );
    return () => {
      stale = true;
    };
  }, [selected]);

  // The box follows the click at once; the engine's answer then stands.
  const [tracingWanted, setTracingWanted] = useState<boolean>();
  const setTracing = async (on: boolean) => {
    setTracingWanted(on);
    try {
      const r = await api.requestTracing(on);
      setList((l) => l && { ...l, tracing: r.tracing });
    } catch (e) {
      notify((e as Error).message);
    } finally {
      setTracingWanted(undefined);
    }
  };

  const clear = async () => {
    try {
      await api.clearRequests();
      setSelected(undefined);
      setReload((n) => n + 1);
    } catch (e) {
      notify((e as Error).message);
    }
  };

  const entries = list?.entries ?? [];
  return (
    <div className="requests">
      <div className="console-filters">
        <input
          type="search"
          aria-label="Filter requests"
          placeholder="Filter: path, sequence, user, run id, code…"
          value={q}
          onChange={(e) => setQ(e.target.value)}
        />
        <label>
          Status{" "}
          <select aria-label="Filter by status" value={status} onChange={(e) => setStatus(e.target.value)}>
            <option value="">all</option>
            <option value="2xx">2xx</option>
            <option value="3xx">3xx</option>
            <option value="4xx">4xx</option>
            <option value="5xx">5xx</option>
            <option value="failed">failed (4xx, 5xx, left)</option>
          </select>
        </label>
        <label title="Runs of HTTP calls keep their trace (each call costs a little more while this is on)">
          <input
            type="checkbox"
            checked={tracingWanted ?? list?.tracing ?? false}
            onChange={(e) => void setTracing(e.target.checked)}
          />{" "}
          Record traces
        </label>
        <button type="button" onClick={() => void clear()}>
          Clear
        </button>
        <span className="hint-inline" role="status" aria-label="Requests count">
          {list
            ? `${entries.length}${entries.length >= SHOWN ? "+" : ""} shown of ${list.total} kept (the last ${list.capacity.toLocaleString()})`
            : ""}
        </span>
      </div>
      {problem && <p className="hint">The history cannot be read: {problem}</p>}
      <div className={`requests-body${detail ? " with-detail" : ""}`}>
        <div className="requests-list">
          {list && entries.length === 0 ? (
            <p className="hint">
              {list.total === 0
                ? "No HTTP call yet: calls to /projects/… and /services/… appear here (try “Call over HTTP” in the Run panel)."
                : "No call matches the filters."}
            </p>
          ) : (
            <table className="trace requests-table" aria-label="Requests">
              <thead>
                <tr>
                  <th>Time</th>
                  <th>Call</th>
                  <th className="num">Status</th>
                  <th className="num">Duration</th>
                  <th>User</th>
                  <th>Run</th>
                </tr>
              </thead>
              <tbody>
                {entries.map((e) => (
                  <tr
                    key={e.id}
                    className={`request-row ${statusKind(e)}${selected === e.id ? " selected" : ""}`}
                    aria-selected={selected === e.id}
                    aria-label={`Request ${e.method} ${e.requestable ?? e.path} ${e.status}`}
                    onClick={() => setSelected(selected === e.id ? undefined : e.id)}
                  >
                    <td className="mono">{timeOfDay(e.at)}</td>
                    <td>
                      <button type="button" className="link" title={`${e.method} ${e.path}`}>
                        {e.method} {e.path}
                      </button>
                      {e.requestable && <span className="request-target"> {e.requestable}</span>}
                      {e.traced && (
                        <span className="hint-inline" title="A trace was recorded">
                          {" "}
                          ⋯trace
                        </span>
                      )}
                    </td>
                    <td className="num" title={e.code ?? ""}>
                      {e.aborted ? `left${e.status ? ` (${e.status})` : ""}` : e.status}
                      {e.code ? <span className="hint-inline"> {e.code}</span> : null}
                    </td>
                    <td className="num">{durationText(e.durationMs)}</td>
                    <td>{e.user ?? ""}</td>
                    <td className="mono">{e.runId ?? ""}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </div>
        {detail && (
          <div className="request-detail" role="region" aria-label="Request detail">
            <div className="pane-header">
              <span className="pane-title">
                {"missing" in detail ? `Call ${detail.id}` : `${detail.method} ${detail.path}`}
              </span>
              <button type="button" aria-label="Close the detail" onClick={() => setSelected(undefined)}>
                ×
              </button>
            </div>
            {"missing" in detail ? (
              <p className="hint">{detail.missing}</p>
            ) : (
              <>
                <p className="hint">
                  {detail.requestable ? `${detail.project ?? ""} › ${detail.requestable}: ` : ""}
                  HTTP {detail.aborted ? "call left by the client" : detail.status} in {durationText(detail.durationMs)}
                  {detail.user ? `, user ${detail.user}` : ""}
                  {detail.runId ? `, run ${detail.runId}` : ""}
                  {detail.code ? `, ${detail.code}` : ""}
                </p>
                {detail.traceNote && <p className="hint">{detail.traceNote}</p>}
                {detail.trace ? (
                  renderTrace(detail.trace)
                ) : (
                  <p className="hint">
                    {detail.runId
                      ? "No trace was recorded for this call: tick “Record traces”, then call again."
                      : "This call ran nothing (refused before any run)."}
                  </p>
                )}
              </>
            )}
          </div>
        )}
      </div>
    </div>
  );
}
