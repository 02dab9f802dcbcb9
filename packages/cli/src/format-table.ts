// A plain-text table for terminal reports: columns padded to their widest cell, numbers right-aligned
// so their digits line up, everything else left-aligned.

export type Cell = string | number;

/** Numbers with about four significant digits; integers as they are. */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  if (Number.isInteger(value)) return String(value);
  const abs = Math.abs(value);
  if (abs >= 1000) return value.toFixed(0);
  if (abs >= 1e-3) return value.toPrecision(4);
  return value.toExponential(2);
}

export function formatTable(header: readonly string[], rows: readonly (readonly Cell[])[]): string {
  const text = rows.map((row) => header.map((_, i) => cellText(row[i])));
  const widths = header.map((h, i) => Math.max(h.length, ...text.map((row) => row[i].length)));
  const line = (cells: readonly string[], alignRight: (i: number) => boolean) =>
    cells
      .map((c, i) => (alignRight(i) ? c.padStart(widths[i]) : c.padEnd(widths[i])))
      .join("  ")
      .trimEnd();
  const out = [
    line(header, () => false),
    line(
      widths.map((w) => "-".repeat(w)),
      () => false,
    ),
  ];
  rows.forEach((row, r) => {
    out.push(line(text[r], (i) => typeof row[i] === "number"));
  });
  return out.join("\n");
}

function cellText(cell: Cell | undefined): string {
  if (cell === undefined) return "";
  return typeof cell === "number" ? formatNumber(cell) : cell;
}
