/**
 * The clock demo's HTML page: a clock element, the callback the stream calls, and the forever iframe.
 */

/** Options for {@link clockPage}. */
export interface ClockPageOptions {
  /** Path of the Comet stream the hidden iframe loads. */
  streamPath: string;
  /** CSP nonce for the page's inline script. */
  nonce: string;
}

/**
 * Renders the demo page. The stream's chunks call `parent.clockChanged(isoTime)`;
 * `cometMessage` is the same function under the conventional name.
 */
export function clockPage({ streamPath, nonce }: ClockPageOptions): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Comet clock</title>
<style nonce="${nonce}">
  body { font-family: system-ui, sans-serif; margin: 3rem auto; max-width: 36rem; text-align: center; }
  #clock { font: 700 4rem/1.2 ui-monospace, monospace; margin: 2rem 0; }
  .note { color: #555; }
</style>
</head>
<body>
<h1>Comet clock</h1>
<p id="clock">--:--:--.-</p>
<p class="note">Every tick is one <code>&lt;script&gt;</code> chunk pushed down a forever iframe.</p>
<script nonce="${nonce}">
  function pad(n) { return n < 10 ? '0' + n : String(n); }
  function clockChanged(isoTime) {
    var d = new Date(isoTime);
    var el = document.getElementById('clock');
    el.textContent = pad(d.getHours()) + ':' + pad(d.getMinutes()) + ':' + pad(d.getSeconds()) + '.' +
      Math.floor(d.getMilliseconds() / 100);
    el.setAttribute('data-time', isoTime);
  }
  var cometMessage = clockChanged;
</script>
<iframe src="${streamPath}" hidden title="clock stream"></iframe>
</body>
</html>
`;
}
