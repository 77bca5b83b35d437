/**
 * The benchmark charts, drawn from the points the benchmarks stored in bench/charts/*.json: the
 * cost-growth curve (deliveries/s and heap per client against the number of clients, from bench/growth
 * and the larger count of bench/scale) and the fan-out p99 comparisons (bench/fanout, and bench/topics
 * for one topic of a hub).
 */
import { writeFileSync } from 'node:fs';
import type { FanoutPoint } from './fanout.js';
import { CHARTS_DIR, loadPoints } from './lib/points.js';
import { compact, lineChart, type Series } from './lib/svg.js';
import type { GrowthPoint } from './scale.js';

/** Draws every chart that has points; returns the files written. */
export function drawCharts(): string[] {
  const written: string[] = [];
  const write = (name: string, svg: string): void => {
    const file = `${CHARTS_DIR}${name}.svg`;
    writeFileSync(file, svg);
    written.push(file);
  };
  const growth = [...loadPoints<GrowthPoint>('growth'), ...loadPoints<GrowthPoint>('scale')].sort((a, b) => a.clients - b.clients);
  if (growth.length > 0) {
    const series = (name: string, pick: (p: GrowthPoint) => number | null): Series => ({
      name,
      points: growth.flatMap((p) => (pick(p) === null ? [] : [{ x: p.clients, y: pick(p)! }])),
    });
    write('growth-deliveries', lineChart({
      title: 'Cost growth: deliveries per second',
      xLabel: 'clients (log scale)',
      yLabel: 'deliveries/s (log scale)',
      logY: true,
      series: [series('cometHub → sendComet', (p) => p.deliveriesPerSecond)],
    }));
    write('growth-heap', lineChart({
      title: 'Cost growth: server heap per client',
      xLabel: 'clients (log scale)',
      yLabel: 'heap per client (KiB)',
      series: [series('cometHub → sendComet', (p) => (p.heapPerClient === null ? null : p.heapPerClient / 1024))],
    }));
  }
  const p99Chart = (name: string, title: string): void => {
    const points = loadPoints<FanoutPoint>(name);
    if (points.length === 0) return;
    const systems = [...new Set(points.map((p) => p.system))];
    write(name, lineChart({
      title,
      xLabel: 'clients (log scale)',
      yLabel: 'p99 latency (ms, log scale)',
      logY: true,
      format: compact,
      series: systems.map((system) => ({
        name: system,
        points: points.filter((p) => p.system === system).map((p) => ({ x: p.clients, y: p.p99, low: p.low, high: p.high })),
      })),
    }));
  };
  p99Chart('fanout', 'Fan-out: p99 publish → receipt (median of rounds, bars: range)');
  p99Chart('topics', 'Topics: p99 publish → receipt, one topic (median of rounds, bars: range)');
  return written;
}
