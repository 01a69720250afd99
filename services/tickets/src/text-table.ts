/**
 * Rows as aligned columns: the first column left-aligned, the others right-aligned (numbers), two
 * spaces between columns, each line indented by `indent`.
 */
export function textTable(rows: readonly (readonly (string | number)[])[], indent = '  '): string[] {
  const cells = rows.map((row) => row.map(String));
  const widths: number[] = [];
  for (const row of cells) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return cells.map(
    (row) =>
      indent +
      row
        .map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!)))
        .join('  ')
        .trimEnd(),
  );
}
