/** Renders benchmark tables as GitHub-flavoured Markdown (which also reads well in a terminal). */
import type { BenchTable } from './types.js';

function cell(value: string | number): string {
  return String(value).replace(/\|/g, '\\|');
}

/** The table as aligned Markdown, with its title as a heading and its notes as a list below. */
export function renderTable(table: BenchTable, headingLevel = 3): string {
  const header = table.columns.map(cell);
  const body = table.rows.map((row) => row.map(cell));
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => (row[i] ?? '').length)));
  const numeric = header.map((_, i) => body.length > 0 && body.every((row) => /^[-+±]?[\d.,]+/.test(row[i] ?? '')));
  const line = (cells: string[]): string =>
    '| ' + cells.map((c, i) => (numeric[i] ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join(' | ') + ' |';
  const rule = '| ' + widths.map((w, i) => (numeric[i] ? '-'.repeat(Math.max(1, w - 1)) + ':' : '-'.repeat(w))).join(' | ') + ' |';
  const out = [`${'#'.repeat(headingLevel)} ${table.title}`, '', line(header), rule, ...body.map(line)];
  if (table.notes.length > 0) out.push('', ...table.notes.map((n) => `- ${n}`));
  return out.join('\n') + '\n';
}
