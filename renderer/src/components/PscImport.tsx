import { useState } from "react";
import type { TargetSummary } from "../../../engine/common/admin/routes.ts";
import { api } from "../api.ts";
import { expiryText, isExpired, scopeText } from "../deploy-model.ts";

/** What a target gives: server, user, projects, expiry, and the notes (legacy, pinned certificate). */
export function TargetFacts({ target }: { target: TargetSummary }) {
  return (
    <span className="target-facts" data-testid={`target-facts-${target.id}`}>
      <span className="target-server">{target.url}</span>
      <span>
        user <b>{target.user}</b>
      </span>
      <span>{scopeText(target.projects)}</span>
      <span className={isExpired(target) ? "expired" : ""}>{expiryText(target)}</span>
      {target.label && <span className="hint">{target.label}</span>}
      {target.note && <span className="target-note">{target.note}</span>}
      {target.pin && (
        <span className="hint" title={`Certificate SHA-256 ${target.pin}`}>
          pinned certificate
        </span>
      )}
    </span>
  );
}

/**
 * Pasting a PSC (Atelier's `atlpsc1_…` or Convertigo's `x…`): the engine reads and keeps it, and
 * the targets it gives are shown; a refused one shows why (malformed, tampered, expired...).
 */
export function PscImport({ onImported }: { onImported: (targets: TargetSummary[]) => void }) {
  const [text, setText] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const [imported, setImported] = useState<TargetSummary[]>([]);
  const submit = () => {
    if (!text.trim() || busy) return;
    setBusy(true);
    setError(undefined);
    api
      .importTarget(text.trim())
      .then((targets) => {
        setImported(targets);
        setText("");
        onImported(targets);
      })
      .catch((e: Error) => setError(e.message))
      .finally(() => setBusy(false));
  };
  return (
    <div className="psc-import">
      <label htmlFor="psc-text">Paste a PSC (from the server's admin)</label>
      <textarea
        id="psc-text"
        data-testid="psc-input"
        rows={3}
        spellCheck={false}
        placeholder="atlpsc1_… (Atelier) or x… (Convertigo)"
        value={text}
        onChange={(e) => setText(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
            e.preventDefault();
            submit();
          }
        }}
      />
      <div className="psc-actions">
        <button type="button" data-testid="psc-import" disabled={!text.trim() || busy} onClick={submit}>
          {busy ? "Importing…" : "Import PSC"}
        </button>
        <span className="hint">The engine keeps it in your configuration folder; the page never sees its secret.</span>
      </div>
      {error && (
        <div className="error-box" role="alert" data-testid="psc-error">
          This PSC was refused: {error}
        </div>
      )}
      {imported.length > 0 && (
        <div className="psc-result" role="status" data-testid="psc-result">
          Imported {imported.length === 1 ? "a target" : `${imported.length} targets`}:
          <ul>
            {imported.map((t) => (
              <li key={t.id}>
                <TargetFacts target={t} />
              </li>
            ))}
          </ul>
        </div>
      )}
    </div>
  );
}
