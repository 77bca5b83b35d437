/** Small statistics and number formatting for benchmark tables. */

/** Median of a non-empty list. */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError('median of an empty list');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** The p-th percentile (0..100) by nearest rank. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) throw new RangeError('percentile of an empty list');
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

/** Relative spread of samples: (max - min) / median, as a percentage string. */
export function spread(values: readonly number[]): string {
  const m = median(values);
  if (m === 0) return '-';
  return `±${(((Math.max(...values) - Math.min(...values)) / 2 / m) * 100).toFixed(0)}%`;
}

/** 1234567 → "1.23 M". */
export function formatRate(perSecond: number): string {
  if (!Number.isFinite(perSecond)) return String(perSecond);
  if (perSecond >= 1e6) return `${(perSecond / 1e6).toFixed(2)} M`;
  if (perSecond >= 1e3) return `${(perSecond / 1e3).toFixed(1)} k`;
  return perSecond.toFixed(0);
}

/** Bytes per second as MB/s (10^6 bytes). */
export function formatMBps(bytesPerSecond: number): string {
  return (bytesPerSecond / 1e6).toFixed(bytesPerSecond >= 1e8 ? 0 : 1);
}

/** A byte count in KiB or MiB. */
export function formatBytes(bytes: number): string {
  const abs = Math.abs(bytes);
  if (abs >= 1024 * 1024) return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
  if (abs >= 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${bytes.toFixed(0)} B`;
}

/** A ratio such as "0.93×". */
export function formatRatio(ratio: number): string {
  return `${ratio.toFixed(2)}×`;
}

/** Milliseconds with sensible precision. */
export function formatMs(ms: number): string {
  return ms >= 100 ? `${ms.toFixed(0)} ms` : ms >= 10 ? `${ms.toFixed(1)} ms` : `${ms.toFixed(2)} ms`;
}

/** "met" / "MISSED" for a target check. */
export function verdict(ok: boolean): string {
  return ok ? 'met' : 'MISSED';
}
