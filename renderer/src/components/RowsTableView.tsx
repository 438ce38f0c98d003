import type { RowsTable } from "../sql-model.ts";

/** Rows of a run's output as a table (columns from the rows' keys, the first rows only). */
export function RowsTableView({ table }: { table: RowsTable }) {
  const where = table.path === "" ? "the output" : table.path;
  return (
    <div className="rows-table-wrap" role="region" aria-label="Rows">
      <div className="help">
        {table.total} row{table.total === 1 ? "" : "s"} of {where}
        {table.rows.length < table.total ? `, the first ${table.rows.length} shown` : ""}
      </div>
      <div className="rows-table-scroll">
        <table className="rows-table" data-testid="rows-table">
          <thead>
            <tr>
              {table.columns.map((c) => (
                <th key={c} scope="col">
                  {c}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {table.rows.map((r, i) => (
              <tr key={i}>
                {r.map((v, j) => (
                  <td key={j} className={v === "NULL" ? "null" : undefined}>
                    {v}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}
