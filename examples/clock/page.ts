/**
 * The clock's HTML pages: the demo's page, which connects with `comet-bridge/client`, and the plain
 * forever-iframe page (the cluster example's), whose markup iframe calls `parent.clockChanged(time)`.
 */

/** Options for {@link clockPage}. */
export interface ClockPageOptions {
  /** Path of the Comet stream the hidden iframe loads. */
  streamPath: string;
  /** CSP nonce for the page's inline script and style. */
  nonce: string;
}

/** Options for {@link clientClockPage}. */
export interface ClientClockPageOptions extends ClockPageOptions {
  /** Path of the `comet-bridge/client` module. */
  clientPath: string;
  /** The hub's callback, e.g. `'parent.clockChanged'`. */
  callback: string;
}

/** The document around `body`: title, style and the clock element. */
function layout(nonce: string, body: string): string {
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
  [data-state=open] { color: #176b2c; } [data-state=waiting] { color: #a33; }
</style>
</head>
<body>
<h1>Comet clock</h1>
<p id="clock">--:--:--.-</p>
${body}
</body>
</html>
`;
}

/**
 * Renders the plain forever-iframe page: the stream's chunks call `parent.clockChanged(isoTime)`;
 * `cometMessage` is the same function under the conventional name.
 */
export function clockPage({ streamPath, nonce }: ClockPageOptions): string {
  return layout(
    nonce,
    `<p class="note">Every tick is one <code>&lt;script&gt;</code> chunk pushed down a forever iframe.</p>
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
<iframe src="${streamPath}" hidden title="clock stream"></iframe>`,
  );
}

/**
 * Renders the demo page: a module script connects to `streamPath` with `connectComet` (the client
 * makes the hidden iframe after the page's load and reconnects with its last id), and shows the
 * connection's state (`#state`, with `data-state`), the time (`#clock`, with `data-time`) and the
 * last gap (`#gap`: ticks missed, or a reset when the server started again). `window.clock` is the
 * connection; `window.ready` is set once the script has run.
 */
export function clientClockPage({ streamPath, nonce, clientPath, callback }: ClientClockPageOptions): string {
  return layout(
    nonce,
    `<p>Connection: <strong id="state" data-state="connecting">connecting</strong></p>
<p id="gap" class="note"></p>
<p class="note">Every tick is one <code>&lt;script&gt;</code> chunk in a hidden iframe, with its id: stop the
server and start it again, and the page resumes on its own.</p>
<script type="module" nonce="${nonce}">
  import { connectComet } from ${JSON.stringify(clientPath)};
  const $ = (id) => document.getElementById(id);
  const pad = (n) => String(n).padStart(2, '0');
  function show(isoTime) {
    const d = new Date(isoTime);
    $('clock').textContent = pad(d.getHours()) + ':' + pad(d.getMinutes()) + ':' + pad(d.getSeconds()) + '.' +
      Math.floor(d.getMilliseconds() / 100);
    $('clock').dataset.time = isoTime;
  }
  window.clock = connectComet(${JSON.stringify(streamPath)}, {
    callback: ${JSON.stringify(callback)},
    onMessage: show,
    onStateChange(state) {
      $('state').textContent = state;
      $('state').dataset.state = state;
    },
    onGap(info) {
      $('gap').textContent = info.reset
        ? 'reset: the server started again, with a new history (' + new Date().toLocaleTimeString() + ')'
        : info.missed + ' ticks missed while disconnected (' + new Date().toLocaleTimeString() + ')';
      $('gap').dataset.gap = info.reset ? 'reset' : 'missed';
    },
    reconnect: { minMs: 250, maxMs: 2000 },
    livenessMs: 3000,
  });
  window.ready = true;
</script>`,
  );
}
