/**
 * The console page. The @novnc/novnc npm package ships only noVNC's library (core/ and
 * vendor/), not its web pages, so this is Stratus's own small page in the manner of
 * noVNC's vnc_lite.html, reading the same query (or #fragment) parameters: `host`,
 * `port`, `path` (Nova puts `?token=...` there), `password`, `encrypt`, `scale`,
 * `view_only`. It asks for the `binary` subprotocol as Nova's proxy expects.
 *
 * `#status` carries `data-state` (connecting, connected, disconnected, failed) so
 * scripts and tests can tell when the console is up without reading its text.
 */
export const CONSOLE_PAGE = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>noVNC</title>
<style>
  html, body { margin: 0; height: 100%; background: #1e1e1e; color: #eee; font: 14px sans-serif; }
  body { display: flex; flex-direction: column; }
  #bar { display: flex; justify-content: space-between; align-items: center; gap: 8px; padding: 4px 8px; background: #333; }
  #status[data-state="failed"] { color: #ff7b7b; }
  #screen { flex: 1; overflow: hidden; }
</style>
</head>
<body>
<div id="bar">
  <div id="status" data-state="connecting">Connecting...</div>
  <button id="ctrl-alt-del" type="button" disabled>Send Ctrl+Alt+Del</button>
</div>
<div id="screen"></div>
<script type="module">
import RFB from './core/rfb.js';

const query = new URLSearchParams(window.location.search);
const fragment = new URLSearchParams(window.location.hash.slice(1));
const param = (name, fallback) => query.get(name) ?? fragment.get(name) ?? fallback;
const flag = (name, fallback) => { const v = param(name, null); return v === null ? fallback : v === 'true' || v === '1'; };

const status = document.getElementById('status');
const button = document.getElementById('ctrl-alt-del');
const show = (state, text) => { status.dataset.state = state; status.textContent = text; };

const secure = flag('encrypt', window.location.protocol === 'https:');
const host = param('host', window.location.hostname);
const port = param('port', window.location.port);
const path = param('path', 'websockify');
const url = (secure ? 'wss' : 'ws') + '://' + host + (port ? ':' + port : '') + '/' + path;

let rfb;
let desktop = 'the console';
try {
  rfb = new RFB(document.getElementById('screen'), url, {
    credentials: { password: param('password', undefined) },
    wsProtocols: ['binary'],
  });
} catch (e) {
  show('failed', 'Could not connect: ' + e.message);
  throw e;
}
rfb.viewOnly = flag('view_only', false);
rfb.scaleViewport = flag('scale', false);
rfb.addEventListener('connect', () => {
  show('connected', 'Connected' + (secure ? ' (encrypted)' : ' (unencrypted)') + ' to ' + desktop);
  button.disabled = false;
});
rfb.addEventListener('disconnect', (e) => {
  button.disabled = true;
  if (e.detail.clean) show('disconnected', 'Disconnected');
  else show('failed', 'Something went wrong, the connection is closed (a console URL works once; ask for a new one)');
});
rfb.addEventListener('credentialsrequired', () => {
  const password = window.prompt('Password required:');
  if (password !== null) rfb.sendCredentials({ password });
});
rfb.addEventListener('securityfailure', (e) => show('failed', 'Security failure: ' + (e.detail.reason || e.detail.status)));
rfb.addEventListener('desktopname', (e) => { desktop = e.detail.name; document.title = e.detail.name + ' - Console'; });
button.addEventListener('click', () => { rfb.sendCtrlAltDel(); return false; });
</script>
</body>
</html>
`;
