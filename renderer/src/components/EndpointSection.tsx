import { useState } from "react";
import type { FlatNode } from "../../../engine/common/studio/api.ts";
import { accessOf, curlCommand, endpointRequest, endpointUrl, type EndpointTarget } from "../endpoint-model.ts";
import { durationText } from "../run-model.ts";
import { notify, useStudio } from "../store.ts";
import { JsonView } from "./JsonView.tsx";

interface CallResult {
  status: number;
  durationMs: number;
  body: unknown;
  json: boolean;
}

/** Copies a text: the clipboard API, else a selected text area (older or locked-down browsers). */
async function copyText(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    const area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "fixed";
    area.style.opacity = "0";
    document.body.appendChild(area);
    area.select();
    let ok = false;
    try {
      ok = document.execCommand("copy");
    } catch {
      ok = false;
    }
    area.remove();
    return ok;
  }
}

/**
 * The HTTP endpoint of a sequence (or transaction) in the Run panel: who may call it, its URL on
 * this engine, copy as URL or curl (with the Run panel's inputs), and a real HTTP call with them
 * ("Call over HTTP": it goes through the Convertigo API, so it shows in the Requests tab).
 */
export function EndpointSection({
  project,
  node,
  connector,
  inputs,
}: {
  project: string;
  node: FlatNode;
  connector?: FlatNode;
  inputs: Record<string, unknown>;
}) {
  const origin = window.location.origin;
  const target: EndpointTarget = connector
    ? { project, connector: connector.name, transaction: node.name }
    : { project, sequence: node.name };
  const access = accessOf(node.props);
  const url = endpointUrl(origin, target, inputs);
  const curl = curlCommand(origin, target, inputs);
  const [copied, setCopied] = useState<string>();
  const [calling, setCalling] = useState(false);
  const [result, setResult] = useState<CallResult>();
  const [failure, setFailure] = useState<string>();

  const copy = async (text: string, what: string) => {
    if (await copyText(text)) {
      setCopied(text);
      notify(`${what} copied`, "info");
    } else notify("The browser refused the clipboard: select the text and copy it");
  };

  const callOverHttp = async () => {
    const r = endpointRequest(origin, target, inputs);
    setCalling(true);
    setFailure(undefined);
    const started = performance.now();
    try {
      const res = await fetch(r.url, {
        method: r.method,
        credentials: "same-origin",
        headers: r.body !== undefined ? { "content-type": "application/json" } : {},
        ...(r.body !== undefined ? { body: r.body } : {}),
      });
      const text = await res.text();
      let body: unknown = text;
      let json = false;
      try {
        body = JSON.parse(text);
        json = true;
      } catch {
        // not JSON: shown as text
      }
      setResult({ status: res.status, durationMs: performance.now() - started, body, json });
    } catch (e) {
      setResult(undefined);
      setFailure(`The engine cannot be reached (${(e as Error).message})`);
    } finally {
      setCalling(false);
    }
  };

  return (
    <details className="endpoint" open data-copied={copied}>
      <summary>
        HTTP endpoint{" "}
        <span className={`access-badge ${access.access.toLowerCase()}`} data-testid="endpoint-access">
          {access.access}
        </span>
        {access.authenticated && <span className="access-badge">authenticated</span>}
      </summary>
      <div className="endpoint-body" role="region" aria-label="Endpoint">
        <div className="help">{access.text}</div>
        <code className={`endpoint-url${access.callable ? "" : " not-callable"}`} data-testid="endpoint-url">
          {url}
        </code>
        <div className="run-buttons">
          <button type="button" onClick={() => void copy(url, "URL")} title="Copy the URL with the inputs above">
            Copy URL
          </button>
          <button
            type="button"
            data-curl={curl}
            onClick={() => void copy(curl, "curl command")}
            title={`Copy a curl command with the inputs above:\n${curl}`}
          >
            Copy as curl
          </button>
          <button
            type="button"
            disabled={!access.callable || calling}
            onClick={() => void callOverHttp()}
            title={
              access.callable
                ? "Call the endpoint over HTTP with the inputs above (as an app would: shown in the Requests tab)"
                : "A Private sequence cannot be called over HTTP"
            }
          >
            {calling ? "Calling…" : "Call over HTTP"}
          </button>
        </div>
        {failure && (
          <div className="run-error-box" role="alert">
            {failure}
          </div>
        )}
        {result && (
          <div className="endpoint-call" data-testid="endpoint-call">
            <div className={`status ${result.status < 400 ? "ok" : "failed"}`} role="status">
              HTTP {result.status} in {durationText(result.durationMs)}{" "}
              <button
                type="button"
                className="link"
                onClick={() => useStudio.setState({ bottomTab: "requests" })}
                title="The request history: every HTTP call to this engine"
              >
                See in Requests
              </button>
            </div>
            {result.json ? (
              <JsonView value={result.body} label="HTTP answer" openDepth={2} />
            ) : (
              <pre className="output-text">{String(result.body)}</pre>
            )}
          </div>
        )}
      </div>
    </details>
  );
}
