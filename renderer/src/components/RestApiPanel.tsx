import { useId, useMemo, useRef, useState } from "react";
import type { FlatNode } from "../../../engine/common/studio/api.ts";
import { generateRestApi } from "../rest-actions.ts";
import { useStudio } from "../store.ts";
import { buildRequest, formatBody, paramKey, tryOperation, TryError, type TryParam } from "../rest-try.ts";
import type { ProjectState } from "../tree-model.ts";
import "./rest-api.css";

/**
 * The REST API in the property panel: on a project or its REST API (UrlMapper), the button that
 * generates operations from the sequences; on a REST operation, "Try it": a field per parameter
 * and Send, which calls the engine's REST endpoint from this window and shows the answer.
 */
export function RestApiPanel({ project, node }: { project: ProjectState; node: FlatNode }) {
  if (node.type === "Project" || node.type === "UrlMapper") return <GenerateButton project={project.name} />;
  if (node.type === "RestOperation") return <TryIt project={project} node={node} />;
  return null;
}

function GenerateButton({ project }: { project: string }) {
  const [busy, setBusy] = useState(false);
  return (
    <section className="rest-generate" aria-label="REST API">
      <button
        type="button"
        disabled={busy}
        onClick={() => {
          setBusy(true);
          void generateRestApi(project).finally(() => setBusy(false));
        }}
      >
        Generate REST API from sequences
      </button>
      <p className="help">
        One path per Public or Hidden sequence not yet in the API: GET when none of its steps writes (looking into the
        sequences and transactions it calls), POST otherwise; its variables as parameters. Existing paths are kept.
      </p>
    </section>
  );
}

interface Answer {
  status: number;
  statusText: string;
  headers: [string, string][];
  body: string;
  ms: number;
}

/** The values typed per operation, kept while the Studio is open (selecting elsewhere and back keeps them). */
const typed = new Map<string, Record<string, string>>();

function TryIt({ project, node }: { project: ProjectState; node: FlatNode }) {
  const op = useMemo(() => tryOperation(project, node.id), [project, node.id]);
  const restPrefix = useStudio((s) => s.workspace?.restPrefix) ?? "/api";
  const [values, setValues] = useState<Record<string, string>>(() => typed.get(`${project.name}/${node.id}`) ?? {});
  const [answer, setAnswer] = useState<Answer>();
  const [error, setError] = useState<string>();
  const [sending, setSending] = useState(false);
  const abort = useRef<AbortController | undefined>(undefined);
  if (!op) return null;

  const set = (key: string, v: string) => {
    const next = { ...values, [key]: v };
    typed.set(`${project.name}/${node.id}`, next);
    setValues(next);
  };
  let preview: string;
  try {
    const r = buildRequest(op, values, restPrefix);
    preview = `${r.method} ${r.url}`;
  } catch {
    preview = `${op.method} ${restPrefix}${op.template}`;
  }

  const send = async () => {
    setError(undefined);
    let req;
    try {
      req = buildRequest(op, values, restPrefix);
    } catch (e) {
      if (e instanceof TryError) {
        setError(e.message);
        setAnswer(undefined);
        return;
      }
      throw e;
    }
    abort.current?.abort();
    const controller = new AbortController();
    abort.current = controller;
    setSending(true);
    const started = performance.now();
    try {
      const res = await fetch(req.url, {
        method: req.method,
        headers: req.headers,
        credentials: "same-origin",
        signal: controller.signal,
        ...(req.body !== undefined ? { body: req.body } : {}),
      });
      const text = await res.text();
      setAnswer({
        status: res.status,
        statusText: res.statusText,
        headers: [...res.headers.entries()],
        body: formatBody(text, res.headers.get("content-type")),
        ms: Math.round(performance.now() - started),
      });
    } catch (e) {
      if ((e as Error).name === "AbortError") return;
      setAnswer(undefined);
      setError(`The request failed: ${(e as Error).message}`);
    } finally {
      if (abort.current === controller) setSending(false);
    }
  };

  return (
    <section className="rest-try" aria-label="Try it">
      <h4>Try it</h4>
      {op.problem && <p className="issues">{op.problem}</p>}
      <code className="rest-try-url" aria-label="Request">
        {preview}
      </code>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void send();
        }}
      >
        {op.params.length === 0 && <p className="help">This operation takes no parameters.</p>}
        {op.params.map((p) => (
          <ParamField key={paramKey(p)} param={p} value={values[paramKey(p)] ?? ""} onChange={set} />
        ))}
        <button type="submit" className="primary" disabled={sending || Boolean(op.problem)}>
          {sending ? "Sending…" : "Send"}
        </button>
      </form>
      {error && (
        <p className="issues" role="alert">
          {error}
        </p>
      )}
      {answer && <AnswerView answer={answer} />}
    </section>
  );
}

function ParamField({
  param,
  value,
  onChange,
}: {
  param: TryParam;
  value: string;
  onChange: (key: string, v: string) => void;
}) {
  const id = useId();
  const key = paramKey(param);
  const multiline = param.in === "body" || param.multiValued || param.dataType === "json";
  const hint = [
    param.in,
    param.dataType,
    param.multiValued ? "one value per line" : "",
    param.in === "body" ? "JSON" : "",
  ]
    .filter(Boolean)
    .join(", ");
  return (
    <div className="field" data-param={key}>
      <label htmlFor={id}>
        {param.name}
        {param.required && <span className="required"> *</span>} <span className="rest-try-in">({hint})</span>
      </label>
      {multiline ? (
        <textarea
          id={id}
          rows={param.in === "body" ? 6 : 3}
          spellCheck={false}
          value={value}
          onChange={(e) => onChange(key, e.target.value)}
          placeholder={param.in === "body" ? '{"name": "value"}' : ""}
        />
      ) : (
        <input id={id} value={value} onChange={(e) => onChange(key, e.target.value)} spellCheck={false} />
      )}
      {param.description && <div className="help">{param.description}</div>}
    </div>
  );
}

function AnswerView({ answer }: { answer: Answer }) {
  const ok = answer.status >= 200 && answer.status < 300;
  return (
    <div className="rest-try-answer" aria-label="Response">
      <div className="rest-try-status">
        <span className={ok ? "ok" : "failed"} data-status={answer.status}>
          {answer.status} {answer.statusText}
        </span>{" "}
        <span className="rest-try-ms">{answer.ms} ms</span>
      </div>
      <details>
        <summary>Headers ({answer.headers.length})</summary>
        <table className="rest-try-headers">
          <tbody>
            {answer.headers.map(([k, v]) => (
              <tr key={k}>
                <th>{k}</th>
                <td>{v}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </details>
      {answer.body === "" ? (
        <p className="help">No body.</p>
      ) : (
        <pre className="rest-try-body" aria-label="Body">
          {answer.body}
        </pre>
      )}
    </div>
  );
}
