/**
 * The fenced code blocks of a Markdown file, for the tests that execute the README and the guide.
 */

/** One fenced block. */
export interface Fence {
  /** 1-based line of the opening fence. */
  line: number;
  /** The language word after the fence (`ts`, `text`, …). */
  lang: string;
  /** What follows the language word on the fence line, trimmed. */
  info: string;
  body: string;
}

/** Every fenced block of `markdown`, in order. */
export function fences(markdown: string): Fence[] {
  const out: Fence[] = [];
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\w*)\s*(.*)$/.exec(lines[i]!);
    if (!open) continue;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && lines[i] !== '```'; i++) body.push(lines[i]!);
    if (i >= lines.length) throw new Error(`unclosed code block at line ${start + 1}`);
    out.push({ line: start + 1, lang: open[1]!, info: open[2]!.trim(), body: body.join('\n') });
  }
  return out;
}

/** The `key=value` words of a fence's info string (`run get=/comet expect=cb(`). */
export function infoWords(info: string): Map<string, string> {
  const words = new Map<string, string>();
  for (const word of info.split(/\s+/).filter(Boolean)) {
    const eq = word.indexOf('=');
    words.set(eq < 0 ? word : word.slice(0, eq), eq < 0 ? '' : word.slice(eq + 1));
  }
  return words;
}
