/**
 * What a console WebSocket handshake must show before the proxy looks any further, as
 * Nova's websocketproxy checks it: a token (query, else the `token` cookie) and, from
 * browsers, an Origin of this proxy's own host.
 */

/** The console token of a handshake: `?token=` of its path first (noVNC's `path=%3Ftoken%3D...`), then the `token` cookie. */
export function tokenOf(url: string | undefined, cookieHeader: string | undefined): string | undefined {
  const fromQuery = new URL(url ?? '/', 'http://proxy.invalid').searchParams.get('token');
  if (fromQuery) return fromQuery;
  for (const part of (cookieHeader ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0 || part.slice(0, eq).trim() !== 'token') continue;
    const value = part.slice(eq + 1).trim();
    try {
      return decodeURIComponent(value) || undefined;
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/** The host name of a Host header (`name:port`, `[v6]:port`), lower-cased; undefined when absent or unparsable. */
function hostnameOfHostHeader(host: string | undefined): string | undefined {
  if (!host) return undefined;
  try {
    return new URL(`http://${host}`).hostname;
  } catch {
    return undefined;
  }
}

/**
 * Why a handshake's Origin is refused, or undefined when it is acceptable. Browsers
 * always send Origin on WebSocket handshakes, so a page on another site cannot drive a
 * console with a user's cookie. As in Nova:
 * - no Origin: a non-browser client, accepted;
 * - the scheme must be the proxy URL's (http or https; ws and wss count as those);
 * - the host name (ports are not compared, as Nova does not, so a TLS front end on
 *   443 works) must be the one the request was sent to (Host), or the host of the
 *   proxy URL the token was handed out under (a front end that rewrites Host).
 */
export function originRefusal(origin: string | undefined, hostHeader: string | undefined, accessUrlBase: string): string | undefined {
  if (origin === undefined) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(origin);
  } catch {
    return 'Origin header not valid.';
  }
  const scheme = parsed.protocol.replace(/:$/, '');
  if (!parsed.hostname || !scheme) return 'Origin header not valid.';
  const base = new URL(accessUrlBase);
  const baseScheme = base.protocol.replace(/:$/, '');
  const expectedSchemes = new Set([baseScheme, ...(baseScheme === 'ws' ? ['http'] : baseScheme === 'wss' ? ['https'] : [])]);
  if (!expectedSchemes.has(scheme)) return 'Origin header protocol does not match this host.';
  const hosts = new Set([hostnameOfHostHeader(hostHeader), base.hostname].filter((h): h is string => !!h));
  if (!hosts.has(parsed.hostname)) return 'Origin header does not match this host.';
  return undefined;
}

/** The Sec-WebSocket-Protocol the proxy answers: `binary` when offered (noVNC asks for it); refuses clients that offer only others (websockify dropped `base64`). */
export function subprotocolOf(header: string | undefined): { protocol: string | undefined } | { refusal: string } {
  if (!header) return { protocol: undefined };
  const offered = header.split(',').map((p) => p.trim());
  return offered.includes('binary') ? { protocol: 'binary' } : { refusal: "Only the 'binary' WebSocket subprotocol is supported." };
}

/** True when the request is a WebSocket handshake `ws` would complete (RFC 6455 4.2.1), checked before a token is spent on it. */
export function isWebSocketHandshake(method: string | undefined, headers: Record<string, string | string[] | undefined>): boolean {
  const key = headers['sec-websocket-key'];
  const version = headers['sec-websocket-version'];
  const upgrade = headers['upgrade'];
  return method === 'GET' && typeof upgrade === 'string' && upgrade.toLowerCase() === 'websocket'
    && typeof key === 'string' && /^[+/0-9A-Za-z]{22}==$/.test(key.trim())
    && (version === '13' || version === '8');
}
