import { describe, expect, it } from 'vitest';
import {
  computeSignature, OAuth1RequestError, oauthEncode, parseAuthorizationHeader, readOAuth1Request, signatureBaseString,
  signatureMatches, signAuthorization,
} from './oauth1-signature.js';

const KEY = '0123456789abcdef0123456789abcdef';
const NOW = 1_700_000_000;

describe('OAuth1 signatures', () => {
  it('signs the RFC 5849 section 1.2 example', () => {
    const params: Array<[string, string]> = [
      ['file', 'vacation.jpg'], ['size', 'original'], ['oauth_consumer_key', 'dpf43f3p2l4k3l03'], ['oauth_token', 'nnch734d00sl2jdk'],
      ['oauth_signature_method', 'HMAC-SHA1'], ['oauth_timestamp', '137131202'], ['oauth_nonce', 'chapoH'],
    ];
    const base = signatureBaseString('GET', 'http://photos.example.net:80/photos?file=vacation.jpg&size=original', params);
    expect(base).toBe('GET&http%3A%2F%2Fphotos.example.net%2Fphotos&file%3Dvacation.jpg%26oauth_consumer_key%3Ddpf43f3p2l4k3l03%26' +
      'oauth_nonce%3DchapoH%26oauth_signature_method%3DHMAC-SHA1%26oauth_timestamp%3D137131202%26oauth_token%3Dnnch734d00sl2jdk%26size%3Doriginal');
    expect(computeSignature('HMAC-SHA1', base, 'kd94hf93k423kf44', 'pfkkdhi9sl3r4s00')).toBe('MdpQcU8iPSUjWoN/UDMsK2sui9I=');
  });

  it('percent-encodes as RFC 3986 unreserved', () => {
    expect(oauthEncode("a b!*'()~._-")).toBe('a%20b%21%2A%27%28%29~._-');
  });

  it('parses the Authorization header like oauthlib', () => {
    expect(parseAuthorizationHeader('OAuth realm="", oauth_nonce="12", oauth_callback="http%3A%2F%2Fx"')).toEqual([
      ['realm', ''], ['oauth_nonce', '12'], ['oauth_callback', 'http://x'],
    ]);
    expect(parseAuthorizationHeader('Bearer x')).toBeUndefined();
  });

  it('a signed request verifies; a changed URL or secret does not', () => {
    const url = 'http://localhost:5000/v3/OS-OAUTH1/request_token?x=1';
    const authorization = signAuthorization('POST', url, { consumerKey: KEY, consumerSecret: 's3cret', callback: 'oob', timestamp: NOW });
    const req = { method: 'POST', url, authorization, contentType: undefined };
    const params = readOAuth1Request(req, NOW);
    expect(params.callback).toBe('oob');
    expect(signatureMatches(req, params, 's3cret', '')).toBe(true);
    expect(signatureMatches(req, params, 'other', '')).toBe(false);
    expect(signatureMatches({ ...req, url: 'http://localhost:5000/v3/OS-OAUTH1/access_token?x=1' }, params, 's3cret', '')).toBe(false);
    // Scheme and host case and the default port do not matter.
    expect(signatureMatches({ ...req, url: 'HTTP://LOCALHOST:5000/v3/OS-OAUTH1/request_token?x=1' }, params, 's3cret', '')).toBe(true);
  });

  it('format checks answer as oauthlib does', () => {
    const url = 'http://localhost/v3/auth/tokens';
    const check = (signer: Parameters<typeof signAuthorization>[2], now = NOW, edit = (h: string) => h): string => {
      try {
        readOAuth1Request({ method: 'POST', url, authorization: edit(signAuthorization('POST', url, signer)), contentType: undefined }, now);
        return 'ok';
      } catch (e) {
        if (e instanceof OAuth1RequestError) return e.description;
        throw e;
      }
    };
    expect(check({ consumerKey: KEY, consumerSecret: 's', timestamp: NOW })).toBe('ok');
    expect(check({ consumerKey: KEY, consumerSecret: 's', timestamp: NOW }, NOW + 601)).toBe('Timestamp given is invalid, differ from allowed by over 600 seconds.');
    expect(check({ consumerKey: 'short', consumerSecret: 's', timestamp: NOW })).toBe('Invalid client key format.');
    expect(check({ consumerKey: KEY, consumerSecret: 's', timestamp: NOW, nonce: 'xyz' })).toBe('Invalid nonce format.');
    expect(check({ consumerKey: KEY, consumerSecret: 's', timestamp: 123 })).toBe('Invalid timestamp size');
    expect(check({ consumerKey: KEY, consumerSecret: 's', timestamp: NOW }, NOW, (h) => h.replace('HMAC-SHA1', 'MD5'))).toMatch(/^Invalid signature, MD5 not in/);
    expect(() => readOAuth1Request({ method: 'POST', url, authorization: undefined, contentType: undefined }, NOW)).toThrow('Missing mandatory OAuth parameters.');
  });
});
