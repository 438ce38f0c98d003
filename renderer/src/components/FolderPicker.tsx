import { useEffect, useState } from "react";
import type { FolderListing } from "../../../engine/common/studio/projects.ts";
import { api } from "../api.ts";

/** The last segment of a path (either separator). */
function baseName(p: string): string {
  return p.split(/[\\/]/).filter(Boolean).at(-1) ?? p;
}

function join(dir: string, name: string): string {
  const sep = dir.includes("\\") && !dir.includes("/") ? "\\" : "/";
  return dir.endsWith(sep) ? dir + name : dir + sep + name;
}

/**
 * Picks a folder on the engine's machine, for a browser (the desktop app uses the system's
 * dialog): the engine lists the sub-folders of a folder under the user's home or the
 * workspace's parent; Convertigo project folders are marked.
 */
export function FolderPicker({ start, onChoose }: { start?: string; onChoose: (path: string) => void }) {
  const [listing, setListing] = useState<FolderListing>();
  const [error, setError] = useState<string>();
  const [loading, setLoading] = useState(false);

  const open = (path?: string) => {
    setLoading(true);
    api
      .folders(path)
      .then((l) => {
        setListing(l);
        setError(undefined);
      })
      .catch((e: Error) => {
        setError(e.message);
        // A path typed that cannot be listed: show the first root instead, with the reason.
        if (path && !listing) void api.folders().then(setListing, () => undefined);
      })
      .finally(() => setLoading(false));
  };

  useEffect(() => {
    // Listed once, from where the field points (an absolute path), else from the first root.
    open(start && /^([A-Za-z]:)?[\\/]/.test(start) ? start : undefined);
  }, []);

  return (
    <div className="folder-picker" role="group" aria-label="Folder picker">
      <div className="folder-picker-bar">
        <button type="button" disabled={!listing?.parent || loading} onClick={() => open(listing?.parent)}>
          ↑ Up
        </button>
        {listing?.roots.map((r) => (
          <button key={r} type="button" disabled={loading} onClick={() => open(r)} title={r}>
            {baseName(r)}
          </button>
        ))}
        <span className="folder-picker-path" title={listing?.path}>
          {listing?.path}
        </span>
      </div>
      {error && (
        <div className="field-error" role="alert">
          {error}
        </div>
      )}
      <ul className="folder-list" aria-label="Folders" aria-busy={loading}>
        {listing?.folders.length === 0 && <li className="hint">No folder here.</li>}
        {listing?.folders.map((f) => {
          const path = join(listing.path, f.name);
          return (
            <li key={f.name}>
              <button
                type="button"
                className="link folder-open"
                onClick={() => open(path)}
                aria-label={`Open ${f.name}`}
                title={path}
              >
                📁 {f.name}
              </button>
              {f.convertigo && (
                <>
                  <span className="badge">Convertigo project</span>
                  <button type="button" className="primary" onClick={() => onChoose(path)}>
                    Choose
                  </button>
                </>
              )}
              {f.atelier && <span className="badge">Atelier project</span>}
            </li>
          );
        })}
        {listing?.truncated && <li className="hint">More folders than shown: type the path.</li>}
      </ul>
      {listing?.convertigo && (
        <div className="folder-picker-bar">
          <span>This folder is a Convertigo project.</span>
          <button type="button" className="primary" onClick={() => onChoose(listing.path)}>
            Choose this folder
          </button>
        </div>
      )}
    </div>
  );
}
