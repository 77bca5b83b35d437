/** What every benchmark returns: one table with its notes. */
export interface BenchTable {
  title: string;
  columns: string[];
  rows: (string | number)[][];
  notes: string[];
}

/** Settings shared by every benchmark of one run. */
export interface BenchSettings {
  /** Fewer rounds and smaller sizes, for a fast look. */
  quick: boolean;
}

/** Reads the settings from the command line (`--quick`). */
export function settingsFromArgv(argv: readonly string[] = process.argv.slice(2)): BenchSettings {
  return { quick: argv.includes('--quick') };
}
