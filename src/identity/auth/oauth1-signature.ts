import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * OAuth 1.0a request checking (RFC 5849) as Keystone does it through oauthlib with its
 * OAuthValidator: protocol parameters from the Authorization header, the query or a
 * form body (exactly one of them), mandatory-parameter and format checks, a timestamp
 * within 600 s of now, and the signature over the signature base string. Like
 * Keystone's validator, nonces are only checked for format, never for replay.
 */

/** oauthlib's RequestValidator.timestamp_lifetime. */
export const TIMESTAMP_LIFETIME_SECONDS = 600;

/** The methods oauthlib allows by default; RSA ones never verify (Keystone has no RSA keys). */
const SIGNATURE_METHODS = ['HMAC-SHA1', 'HMAC-SHA256', 'HMAC-SHA512', 'RSA-SHA1', 'RSA-SHA256', 'RSA-SHA512', 'PLAINTEXT'];

/** Keystone's token, consumer and nonce format: UUID hex. */
const HEX = /^[0-9a-f]*$/;
export const isOauthId = (s: string): boolean => s.length === 32 && HEX.test(s);

/** Keystone's VERIFIER_CHARS: the verifier is 8 of them. */
export const VERIFIER_CHARS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
const isVerifier = (s: string): boolean => s.length === 8 && [...s].every((c) => VERIFIER_CHARS.includes(c));

/**
 * An oauthlib OAuth1Error: the request is malformed (400). `error` and `description`
 * are what Keystone puts into "Validation failed with errors: ..., detail message is: ...".
 */
export class OAuth1RequestError extends Error {
  constructor(readonly error: 'invalid_request' | 'invalid_signature_method', readonly description: string) {
    super(description);
  }
}
const invalidRequest = (description: string): OAuth1RequestError => new OAuth1RequestError('invalid_request', description);

/** RFC 5849 3.6 percent-encoding: everything but ALPHA / DIGIT / - . _ ~. */
export function oauthEncode(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

const decode = (value: string): string => {
  try {
    return decodeURIComponent(value.replace(/\+/g, ' '));
  } catch {
    throw invalidRequest('Malformed percent-encoding.');
  }
};

/**
 * The parameters of `Authorization: OAuth k="v", ...` (oauthlib's
 * parse_authorization_header), percent-decoded. Undefined when the header is not OAuth.
 */
export function parseAuthorizationHeader(header: string | undefined): Array<[string, string]> | undefined {
  if (header === undefined || !header.toLowerCase().startsWith('oauth ')) return undefined;
  const params: Array<[string, string]> = [];
  for (const item of header.slice(6).split(',')) {
    const trimmed = item.trim();
    if (trimmed === '') continue;
    const eq = trimmed.indexOf('=');
    if (eq < 0) throw invalidRequest('Malformed authorization header');
    let value = trimmed.slice(eq + 1).trim();
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    params.push([decode(trimmed.slice(0, eq).trim()), decode(value)]);
  }
  return params;
}

const parseForm = (text: string): Array<[string, string]> =>
  text.split('&').filter((p) => p !== '').map((p) => {
    const eq = p.indexOf('=');
    return eq < 0 ? [decode(p), ''] : [decode(p.slice(0, eq)), decode(p.slice(eq + 1))];
  });

/** RFC 5849 3.4.1.2: scheme and host lower-cased, default port dropped, no query. */
export function baseStringUri(url: string): string {
  const u = new URL(url);
  // URL drops the scheme's default port itself; an empty path is '/'.
  return `${u.protocol.toLowerCase()}//${u.host.toLowerCase()}${u.pathname || '/'}`;
}

/** RFC 5849 3.4.1.3.2: encode, sort by name then value, join. */
export function normalizeParameters(params: ReadonlyArray<readonly [string, string]>): string {
  return params
    .map(([k, v]) => [oauthEncode(k), oauthEncode(v)] as const)
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
}

export function signatureBaseString(method: string, url: string, params: ReadonlyArray<readonly [string, string]>): string {
  return [method.toUpperCase(), oauthEncode(baseStringUri(url)), oauthEncode(normalizeParameters(params))].join('&');
}

/** The signature a method gives; undefined for methods Stratus cannot produce (RSA). */
export function computeSignature(signatureMethod: string, baseString: string, clientSecret: string, tokenSecret: string): string | undefined {
  const key = `${oauthEncode(clientSecret)}&${oauthEncode(tokenSecret)}`;
  if (signatureMethod === 'PLAINTEXT') return key;
  const algorithm = { 'HMAC-SHA1': 'sha1', 'HMAC-SHA256': 'sha256', 'HMAC-SHA512': 'sha512' }[signatureMethod];
  return algorithm ? createHmac(algorithm, key).update(baseString).digest('base64') : undefined;
}

/** What the server knows of an incoming request, independent of the HTTP framework. */
export interface OAuth1HttpRequest {
  method: string;
  /** Absolute URL the client signed, with the query string if any. */
  url: string;
  authorization: string | undefined;
  contentType: string | undefined;
  /** The raw body when it is application/x-www-form-urlencoded, else undefined. */
  formBody?: string | undefined;
}

/** The protocol parameters of a request that passed the format checks. */
export interface OAuth1Params {
  consumerKey: string;
  token: string | undefined;
  verifier: string | undefined;
  callback: string | undefined;
  signatureMethod: string;
  signature: string;
  /** Every parameter that takes part in the signature (all but oauth_signature and a header realm). */
  signed: Array<[string, string]>;
}

/**
 * oauthlib's _create_request plus _check_mandatory_parameters. Throws OAuth1RequestError
 * for anything a 400 answers; `nowSeconds` comes from the injected clock.
 */
export function readOAuth1Request(req: OAuth1HttpRequest, nowSeconds: number): OAuth1Params {
  let url: URL;
  try {
    url = new URL(req.url);
  } catch {
    throw invalidRequest('Invalid request URL.');
  }
  const header = parseAuthorizationHeader(req.authorization) ?? [];
  const query = parseForm(url.search.replace(/^\?/, ''));
  const body = req.formBody !== undefined && (req.contentType ?? '').includes('application/x-www-form-urlencoded') ? parseForm(req.formBody) : [];
  const sources = [header, body, query].filter((p) => p.some(([k]) => k.startsWith('oauth_')));
  if (sources.length > 1) throw invalidRequest('oauth_ params must come from only 1 signature type but were found in multiple');
  const oauthParams = (sources[0] ?? []).filter(([k]) => k.startsWith('oauth_'));
  const byName = new Map(oauthParams);
  if (byName.size !== oauthParams.length) throw invalidRequest('Duplicate OAuth1 entries.');
  const get = (name: string): string | undefined => byName.get(name) || undefined;
  const signature = get('oauth_signature');
  const consumerKey = get('oauth_consumer_key');
  const nonce = get('oauth_nonce');
  const timestamp = get('oauth_timestamp');
  const signatureMethod = get('oauth_signature_method');
  if (!signature || !consumerKey || !nonce || !timestamp || !signatureMethod) throw invalidRequest('Missing mandatory OAuth parameters.');
  if (!SIGNATURE_METHODS.includes(signatureMethod)) {
    throw new OAuth1RequestError('invalid_signature_method', `Invalid signature, ${signatureMethod} not in (${SIGNATURE_METHODS.map((m) => `'${m}'`).join(', ')}).`);
  }
  if (byName.has('oauth_version') && byName.get('oauth_version') !== '1.0') throw invalidRequest('Invalid OAuth version.');
  if (timestamp.length !== 10) throw invalidRequest('Invalid timestamp size');
  if (!/^[+-]?\d+$/.test(timestamp)) throw invalidRequest('Timestamp must be an integer.');
  if (Math.abs(nowSeconds - Number(timestamp)) > TIMESTAMP_LIFETIME_SECONDS) {
    throw invalidRequest(`Timestamp given is invalid, differ from allowed by over ${TIMESTAMP_LIFETIME_SECONDS} seconds.`);
  }
  if (!isOauthId(consumerKey)) throw invalidRequest('Invalid client key format.');
  if (!HEX.test(nonce)) throw invalidRequest('Invalid nonce format.');
  const withoutHeaderRealm = header.filter(([k]) => k !== 'realm');
  const signed = [...query, ...body, ...withoutHeaderRealm].filter(([k]) => k !== 'oauth_signature');
  return { consumerKey, token: get('oauth_token'), verifier: get('oauth_verifier'), callback: get('oauth_callback'), signatureMethod, signature, signed };
}

/** The checks oauthlib makes on a token or verifier before looking anything up. */
export function checkTokenFormat(params: OAuth1Params, needs: { verifier: boolean }): void {
  if (!params.token) throw invalidRequest('Missing resource owner.');
  if (!isOauthId(params.token)) throw invalidRequest('Invalid resource owner key format.');
  if (!needs.verifier) return;
  if (!params.verifier) throw invalidRequest('Missing verifier.');
  if (!isVerifier(params.verifier)) throw invalidRequest('Invalid verifier format.');
}

/** Constant-time check of the request's signature with the given secrets. */
export function signatureMatches(req: OAuth1HttpRequest, params: OAuth1Params, clientSecret: string, tokenSecret: string): boolean {
  const expected = computeSignature(params.signatureMethod, signatureBaseString(req.method, req.url, params.signed), clientSecret, tokenSecret);
  if (expected === undefined) return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(params.signature);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** What a client signs with; used by tests and tools, mirroring oauthlib's Client.sign. */
export interface OAuth1Signer {
  consumerKey: string;
  consumerSecret: string;
  token?: string;
  tokenSecret?: string;
  verifier?: string;
  callback?: string;
  signatureMethod?: string;
  /** Seconds since the epoch; defaults to now. */
  timestamp?: number;
  nonce?: string;
}

/** The Authorization header value for a request to `url` (which may carry a query). */
export function signAuthorization(method: string, url: string, s: OAuth1Signer): string {
  const oauth: Array<[string, string]> = [
    ['oauth_nonce', s.nonce ?? randomBytes(16).toString('hex')],
    ['oauth_timestamp', String(s.timestamp ?? Math.floor(Date.now() / 1000))],
    ['oauth_version', '1.0'],
    ['oauth_signature_method', s.signatureMethod ?? 'HMAC-SHA1'],
    ['oauth_consumer_key', s.consumerKey],
    ...(s.token !== undefined ? [['oauth_token', s.token] as [string, string]] : []),
    ...(s.verifier !== undefined ? [['oauth_verifier', s.verifier] as [string, string]] : []),
    ...(s.callback !== undefined ? [['oauth_callback', s.callback] as [string, string]] : []),
  ];
  const query = parseForm(new URL(url).search.replace(/^\?/, ''));
  const signature = computeSignature(s.signatureMethod ?? 'HMAC-SHA1', signatureBaseString(method, url, [...query, ...oauth]), s.consumerSecret, s.tokenSecret ?? '') ?? '';
  const all: Array<[string, string]> = [...oauth, ['oauth_signature', signature]];
  return `OAuth ${all.map(([k, v]) => `${k}="${oauthEncode(v)}"`).join(', ')}`;
}
