/**
 * How deep arrays and objects nest in a JSON text, checked cheaply: most texts are cleared by
 * counting their opening brackets with native searches; only a text with more of them than the
 * limit is walked.
 */

/**
 * True when `json` (the output of `JSON.stringify`) nests arrays and objects more than `max` deep.
 * `[[1]]` is 2 deep; a bare string or number is 0.
 */
export function nestsDeeperThan(json: string, max: number): boolean {
  // Each level opens one bracket, so a text with at most `max` of them (inside strings or not) is
  // shallow enough.
  let opens = 0;
  for (let at = json.indexOf('{'); at !== -1; at = json.indexOf('{', at + 1)) {
    if (++opens > max) return depthOver(json, max);
  }
  for (let at = json.indexOf('['); at !== -1; at = json.indexOf('[', at + 1)) {
    if (++opens > max) return depthOver(json, max);
  }
  return false;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/** The exact walk: brackets outside strings, each string skipped with a native search for its closing quote. */
function depthOver(json: string, max: number): boolean {
  let depth = 0;
  for (let i = 0; i < json.length; i++) {
    const c = json.charCodeAt(i);
    if (c === QUOTE) {
      // A quote closes the string unless an odd run of backslashes precedes it.
      for (;;) {
        i = json.indexOf('"', i + 1);
        if (i === -1) return false;
        let before = i - 1;
        while (json.charCodeAt(before) === BACKSLASH) before--;
        if ((i - 1 - before) % 2 === 0) break;
      }
    } else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) return true;
    } else if (c === 0x5d || c === 0x7d) {
      depth--;
    }
  }
  return false;
}
