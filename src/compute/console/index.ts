/** The console proxy (Nova's nova-novncproxy): the noVNC page and the WebSocket-to-VNC bridge behind console URLs. */
export { startConsoleProxy, type ConsoleProxy, type ConsoleProxyOptions } from './proxy.js';
export { dialTcp, type ConsoleTarget, type Dial } from './dial.js';
export { PAGE_NAMES } from './static-files.js';
