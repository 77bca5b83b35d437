/** One line describing the machine a benchmark ran on. */
import os from 'node:os';

/** e.g. "2 cores, Intel(R) Xeon(R) Processor, 23.5 GiB RAM, Node v20.20.2, linux x64". */
export function machineLine(): string {
  const cpus = os.cpus();
  const model = cpus[0]?.model.trim().replace(/\s+/g, ' ') ?? 'unknown CPU';
  const ram = (os.totalmem() / 1024 ** 3).toFixed(1);
  return `${cpus.length} cores, ${model}, ${ram} GiB RAM, Node ${process.version}, ${process.platform} ${process.arch}`;
}
