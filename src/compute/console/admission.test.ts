import { describe, expect, it } from 'vitest';
import { isWebSocketHandshake, originRefusal, subprotocolOf, tokenOf } from './admission.js';

const BASE = 'http://cloud.example:6080/vnc_auto.html';

describe('console proxy admission', () => {
  it('tokenOf: the query first (noVNC puts ?token= in its path), then the token cookie', () => {
    expect(tokenOf('/?token=abc', 'token=cookie')).toBe('abc');
    expect(tokenOf('/websockify', 'other=1; token=from%20cookie')).toBe('from cookie');
    expect(tokenOf('/', undefined)).toBeUndefined();
    expect(tokenOf('/?token=', 'tokens=x')).toBeUndefined();
    expect(tokenOf('/', 'token=%E0%A4%A')).toBeUndefined();
  });

  it('originRefusal: none is a non-browser client; scheme must match the proxy URL; host must be the Host or the proxy URL host (ports ignored, as Nova)', () => {
    expect(originRefusal(undefined, 'cloud.example:6080', BASE)).toBeUndefined();
    expect(originRefusal('http://cloud.example:6080', 'cloud.example:6080', BASE)).toBeUndefined();
    expect(originRefusal('http://localhost:6080', 'localhost:6080', BASE)).toBeUndefined();
    expect(originRefusal('http://cloud.example', 'proxy.internal:6080', BASE)).toBeUndefined();
    expect(originRefusal('http://evil.example', 'cloud.example:6080', BASE)).toBe('Origin header does not match this host.');
    expect(originRefusal('https://cloud.example', 'cloud.example:6080', BASE)).toBe('Origin header protocol does not match this host.');
    expect(originRefusal('null', 'cloud.example:6080', BASE)).toBe('Origin header not valid.');
    expect(originRefusal('http://[::1]:6080', '[::1]:6080', 'http://[::1]:6080/vnc_auto.html')).toBeUndefined();
    expect(originRefusal('http://cloud.example', 'cloud.example', 'ws://cloud.example:6083/')).toBeUndefined();
  });

  it('subprotocolOf: binary when offered, none when none is asked for, refused when only others are', () => {
    expect(subprotocolOf('base64, binary')).toEqual({ protocol: 'binary' });
    expect(subprotocolOf(undefined)).toEqual({ protocol: undefined });
    expect(subprotocolOf('base64')).toHaveProperty('refusal');
  });

  it('isWebSocketHandshake: GET, Upgrade: websocket, a 16-byte key, version 13', () => {
    const headers = { upgrade: 'WebSocket', 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==', 'sec-websocket-version': '13' };
    expect(isWebSocketHandshake('GET', headers)).toBe(true);
    expect(isWebSocketHandshake('POST', headers)).toBe(false);
    expect(isWebSocketHandshake('GET', { ...headers, 'sec-websocket-key': 'short' })).toBe(false);
    expect(isWebSocketHandshake('GET', { ...headers, 'sec-websocket-version': '7' })).toBe(false);
  });
});
