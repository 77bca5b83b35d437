/**
 * Chart data kept between benchmark steps: each benchmark that feeds a chart stores its points in
 * bench/charts/<name>.json (so `npm run bench -- scale`, run on its own, still adds its point to the
 * curve `npm run bench` drew), and the charts are drawn from whatever is stored; `--quick` runs store
 * nothing.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Folder of the charts and their data. */
export const CHARTS_DIR = fileURLToPath(new URL('../charts/', import.meta.url));

/** Stores `points` under `name`, with the Node version that measured them. */
export function storePoints<T>(name: string, points: T[]): void {
  mkdirSync(CHARTS_DIR, { recursive: true });
  writeFileSync(`${CHARTS_DIR}${name}.json`, JSON.stringify({ node: process.version, points }, null, 1) + '\n');
}

/** The points stored under `name`, or [] when there are none. */
export function loadPoints<T>(name: string): T[] {
  const file = `${CHARTS_DIR}${name}.json`;
  if (!existsSync(file)) return [];
  return (JSON.parse(readFileSync(file, 'utf8')) as { points: T[] }).points;
}
