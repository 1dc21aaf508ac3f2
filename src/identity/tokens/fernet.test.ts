import { describe, expect, it } from 'vitest';
import { decrypt, encrypt, generateKey, InvalidFernetTokenError, restorePadding, timestampOf } from './fernet.js';

// Vectors from https://github.com/fernet/spec (generate.json, verify.json, invalid.json).
const SECRET = 'cw_0x689RpI-jtRR7oE8h_eQsKImvJapLeSbXpwF4e4=';
const SPEC_TOKEN =
  'gAAAAAAdwJ6wAAECAwQFBgcICQoLDA0ODy021cpGVWKZ_eEwCGM4BLLF_5CV9dOPmrhuVUPgJobwOz7JcbmrR64jVmpU4IwqDA==';
const IV = Buffer.from([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]);

const INVALID: Array<{ desc: string; token: string; now: string }> = [
  { desc: 'incorrect mac', now: '1985-10-26T01:20:01-07:00', token: 'gAAAAAAdwJ6xAAECAwQFBgcICQoLDA0OD3HkMATM5lFqGaerZ-fWPAl1-szkFVzXTuGb4hR8AKtwcaX1YdykQUFBQUFBQUFBQQ==' },
  { desc: 'too short', now: '1985-10-26T01:20:01-07:00', token: 'gAAAAAAdwJ6xAAECAwQFBgcICQoLDA0OD3HkMATM5lFqGaerZ-fWPA==' },
  { desc: 'invalid base64', now: '1985-10-26T01:20:01-07:00', token: '%%%%%%%%%%%%%AECAwQFBgcICQoLDA0OD3HkMATM5lFqGaerZ-fWPAl1-szkFVzXTuGb4hR8AKtwcaX1YdykRtfsH-p1YsUD2Q==' },
  { desc: 'payload size not multiple of block size', now: '1985-10-26T01:20:01-07:00', token: 'gAAAAAAdwJ6xAAECAwQFBgcICQoLDA0OD3HkMATM5lFqGaerZ-fWPOm73QeoCk9uGib28Xe5vz6oxq5nmxbx_v7mrfyudzUm' },
  { desc: 'payload padding error', now: '1985-10-26T01:20:01-07:00', token: 'gAAAAAAdwJ6xAAECAwQFBgcICQoLDA0ODz4LEpdELGQAad7aNEHbf-JkLPIpuiYRLQ3RtXatOYREu2FWke6CnJNYIbkuKNqOhw==' },
  { desc: 'far-future TS (unacceptable clock skew)', now: '1985-10-26T01:20:01-07:00', token: 'gAAAAAAdwStRAAECAwQFBgcICQoLDA0OD3HkMATM5lFqGaerZ-fWPAnja1xKYyhd-Y6mSkTOyTGJmw2Xc2a6kBd-iX9b_qXQcw==' },
  { desc: 'expired TTL', now: '1985-10-26T01:21:31-07:00', token: 'gAAAAAAdwJ6xAAECAwQFBgcICQoLDA0OD3HkMATM5lFqGaerZ-fWPAl1-szkFVzXTuGb4hR8AKtwcaX1YdykRtfsH-p1YsUD2Q==' },
  { desc: 'incorrect IV (causes padding error)', now: '1985-10-26T01:20:01-07:00', token: 'gAAAAAAdwJ6xBQECAwQFBgcICQoLDA0OD3HkMATM5lFqGaerZ-fWPAkLhFLHpGtDBRLRTZeUfWgHSv49TF2AUEZ1TIvcZjK1zQ==' },
];

describe('fernet', () => {
  it('generate: matches the spec vector byte for byte', () => {
    const token = encrypt(Buffer.from('hello'), SECRET, new Date('1985-10-26T01:20:00-07:00'), IV);
    expect(token).toBe(SPEC_TOKEN);
  });

  it('verify: decrypts the spec vector within its TTL', () => {
    const out = decrypt(SPEC_TOKEN, [SECRET], { ttlSeconds: 60, now: new Date('1985-10-26T01:20:01-07:00') });
    expect(out.toString()).toBe('hello');
  });

  it('verify: accepts the token with its padding stripped, as Keystone hands it out', () => {
    expect(decrypt(SPEC_TOKEN.replace(/=+$/, ''), [SECRET]).toString()).toBe('hello');
  });

  for (const vector of INVALID) {
    it(`invalid: refuses "${vector.desc}"`, () => {
      expect(() => decrypt(vector.token, [SECRET], { ttlSeconds: 60, now: new Date(vector.now) })).toThrow(
        InvalidFernetTokenError,
      );
    });
  }

  it('multi: tries every key and uses the one that signed the token', () => {
    const other = generateKey();
    expect(decrypt(SPEC_TOKEN, [other, SECRET]).toString()).toBe('hello');
  });

  it('multi: refuses a token signed by a key not in the list', () => {
    const err = catchError(() => decrypt(SPEC_TOKEN, [generateKey(), generateKey()]));
    expect(err).toBeInstanceOf(InvalidFernetTokenError);
    expect((err as InvalidFernetTokenError).reason).toBe('signature');
  });

  it('decrypt: refuses every single-bit flip', () => {
    const key = generateKey();
    const raw = Buffer.from(encrypt(Buffer.from('payload'), key, new Date()), 'base64url');
    for (let i = 0; i < raw.length; i++) {
      const copy = Buffer.from(raw);
      copy[i] = (copy[i] ?? 0) ^ 0x01;
      expect(() => decrypt(copy.toString('base64url'), [key])).toThrow(InvalidFernetTokenError);
    }
  });

  it('timestampOf: reads the creation time in whole seconds', () => {
    expect(timestampOf(SPEC_TOKEN).toISOString()).toBe('1985-10-26T08:20:00.000Z');
  });

  it('restorePadding: pads to a multiple of four', () => {
    expect(restorePadding('abcdef')).toBe('abcdef==');
    expect(restorePadding('abcdefg')).toBe('abcdefg=');
    expect(restorePadding('abcdefgh')).toBe('abcdefgh');
  });

  it('generateKey: produces 44-character padded url-safe keys', () => {
    expect(generateKey()).toMatch(/^[A-Za-z0-9_-]{43}=$/);
  });
});

function catchError(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}
