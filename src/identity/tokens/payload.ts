import { randomBytes } from 'node:crypto';
import { decode, encode } from '@msgpack/msgpack';
import { decodeMethods, encodeMethods } from './methods.js';

/**
 * Token payloads as Keystone's token_formatters.py packs them: a msgpack array
 * `[version, ...fields]`, ids that are UUID hex compressed to 16 raw bytes,
 * `expires_at` as float seconds, audit ids as their 16 raw bytes. Packing is
 * byte-compatible with Keystone so tokens can be validated by either side
 * given the same key repository. Federated (4-6) and OAuth2 (10) payloads are not
 * issued by Stratus and are refused on unpack.
 */

export type TokenScope =
  | { type: 'unscoped' }
  | { type: 'project'; projectId: string }
  | { type: 'domain'; domainId: string }
  | { type: 'system' };

export interface TokenPayload {
  userId: string;
  /** Auth method names; must be in [auth] methods. Unpacked highest bit first, as Keystone returns them. */
  methods: string[];
  scope: TokenScope;
  expiresAt: Date;
  /** 22-character url-safe ids (see newAuditId); the first is this token's, the second its parent's chain. */
  auditIds: string[];
  /** Set for tokens obtained with an application credential; requires project scope. */
  appCredId?: string;
  /** Set for trust-scoped tokens (UUID hex); requires project scope. */
  trustId?: string;
  /** Set for OS-OAUTH1 tokens: the access token they were got with; requires project scope. */
  accessTokenId?: string;
  /** The Fernet timestamp; not packed in the payload. */
  issuedAt: Date;
}

/** What a caller supplies to mint a token: the issue time comes from the clock. */
export type NewTokenPayload = Omit<TokenPayload, 'issuedAt'>;

/** Thrown by unpack for anything Keystone would not recognise as a payload. */
export class MalformedPayloadError extends Error {
  override readonly name = 'MalformedPayloadError';
}

/** Keystone's payload class versions; 4-6 and 10 are the ones Stratus omits. */
const Version = { Unscoped: 0, Domain: 1, Project: 2, Trust: 3, OAuth: 7, System: 8, AppCred: 9 } as const;

/** Keystone's only system scope value. */
const SYSTEM_ALL = 'all';
const UUID_HEX = /^[0-9a-f]{32}$/;

/** Keystone's audit id: 16 random bytes, url-safe base64 without padding. */
export function newAuditId(random: (n: number) => Buffer = randomBytes): string {
  return random(16).toString('base64url');
}

/** msgpack bytes for a payload; throws TypeError for combinations Keystone never issues. */
export function pack(payload: NewTokenPayload): Buffer {
  const user = maybeUuid(payload.userId);
  const methods = encodeMethods(payload.methods);
  const expires = floatField(payload.expiresAt.getTime() / 1000);
  const audit = payload.auditIds.map(auditIdToBytes);
  const { scope } = payload;
  const delegations = [payload.trustId, payload.appCredId, payload.accessTokenId].filter((d) => d !== undefined);
  if (delegations.length > 0 && scope.type !== 'project') {
    throw new TypeError('Trust, application credential and OAuth1 tokens must be project scoped.');
  }
  if (delegations.length > 1) {
    throw new TypeError('A token carries at most one of a trust, an application credential or an OAuth1 access token.');
  }
  // Same precedence as Keystone's _determine_payload_class_from_token.
  switch (scope.type) {
    case 'project': {
      const project = maybeUuid(scope.projectId);
      if (payload.trustId !== undefined) {
        return packArray([Version.Trust, user, methods, project, expires, audit, uuidToBytes(payload.trustId)]);
      }
      if (payload.accessTokenId !== undefined) {
        // Keystone's OauthScopedPayload puts the access token before expiry and audit ids.
        return packArray([Version.OAuth, user, methods, project, maybeUuid(payload.accessTokenId), expires, audit]);
      }
      if (payload.appCredId !== undefined) {
        return packArray([Version.AppCred, user, methods, project, expires, audit, maybeUuid(payload.appCredId)]);
      }
      return packArray([Version.Project, user, methods, project, expires, audit]);
    }
    case 'domain': {
      // Not a (flag, value) pair: a domain id is a UUID, or the configured default domain's string id.
      const domain = UUID_HEX.test(scope.domainId) ? uuidToBytes(scope.domainId) : scope.domainId;
      return packArray([Version.Domain, user, methods, domain, expires, audit]);
    }
    case 'system':
      return packArray([Version.System, user, methods, SYSTEM_ALL, expires, audit]);
    case 'unscoped':
      return packArray([Version.Unscoped, user, methods, expires, audit]);
  }
}

/** Reverses pack; throws MalformedPayloadError. `issuedAt` is the token's Fernet timestamp. */
export function unpack(buf: Uint8Array, issuedAt: Date): TokenPayload {
  let decoded: unknown;
  try {
    decoded = decode(buf);
  } catch {
    throw new MalformedPayloadError('Token payload is not msgpack.');
  }
  if (!Array.isArray(decoded)) throw new MalformedPayloadError('Token payload is not an array.');
  const f = new Fields(decoded);
  const version = f.at(0);
  const base = { userId: f.id(1), methods: f.methods(2), issuedAt };
  switch (version) {
    case Version.Unscoped:
      return { ...base, scope: { type: 'unscoped' }, expiresAt: f.time(3), auditIds: f.audit(4) };
    case Version.Domain:
      return { ...base, scope: { type: 'domain', domainId: f.domainId(3) }, expiresAt: f.time(4), auditIds: f.audit(5) };
    case Version.Project:
      return { ...base, scope: { type: 'project', projectId: f.id(3) }, expiresAt: f.time(4), auditIds: f.audit(5) };
    case Version.Trust:
      return { ...f.projectScoped(base), trustId: f.uuid(6) };
    case Version.OAuth:
      return { ...base, scope: { type: 'project', projectId: f.id(3) }, accessTokenId: f.id(4), expiresAt: f.time(5), auditIds: f.audit(6) };
    case Version.AppCred:
      return { ...f.projectScoped(base), appCredId: f.id(6) };
    case Version.System:
      if (f.at(3) !== SYSTEM_ALL) throw new MalformedPayloadError('Unknown system scope.');
      return { ...base, scope: { type: 'system' }, expiresAt: f.time(4), auditIds: f.audit(5) };
    default:
      throw new MalformedPayloadError(`This is not a recognized Fernet payload version: ${String(version)}`);
  }
}

type Packable = number | string | boolean | Uint8Array | FloatField | Packable[];

/** Keystone's expires_at is a Python float, always packed as float64 even when whole. */
class FloatField {
  constructor(readonly value: number) {}
}
const floatField = (value: number): FloatField => new FloatField(value);

/** msgpack fixarray by hand so the float field can be forced to float64 and the rest stay minimal ints. */
function packArray(items: Packable[]): Buffer {
  if (items.length > 15) throw new Error('packArray handles fixarrays only.');
  const parts = items.map((item) =>
    item instanceof FloatField ? encode(item.value, { forceIntegerToFloat: true }) : encode(item),
  );
  return Buffer.concat([Buffer.from([0x90 | items.length]), ...parts]);
}

/** Keystone's attempt_convert_uuid_hex_to_bytes: (true, 16 bytes) for UUID hex, (false, str) otherwise. */
function maybeUuid(id: string): [boolean, Uint8Array | string] {
  // Only canonical lower-case hex is compressed: Keystone also accepts dashed or
  // upper-case forms but then hands the id back changed, which breaks lookups.
  return UUID_HEX.test(id) ? [true, uuidToBytes(id)] : [false, id];
}

function uuidToBytes(id: string): Buffer {
  if (!UUID_HEX.test(id)) throw new TypeError(`Not a UUID hex id: ${id}`);
  return Buffer.from(id, 'hex');
}

function auditIdToBytes(id: string): Buffer {
  const bytes = Buffer.from(id, 'base64url');
  // Re-encoding catches characters Node's lenient decoder would silently skip.
  if (bytes.toString('base64url') !== id) throw new TypeError(`Not a url-safe audit id: ${id}`);
  return bytes;
}

/** Typed, checked access to the decoded array; every mismatch is a MalformedPayloadError. */
class Fields {
  constructor(private readonly items: unknown[]) {}

  at(i: number): unknown {
    if (i >= this.items.length) throw new MalformedPayloadError(`Token payload is missing field ${i}.`);
    return this.items[i];
  }

  int(i: number): number {
    const v = this.at(i);
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw new MalformedPayloadError(`Field ${i} is not an integer.`);
    return v;
  }

  methods(i: number): string[] {
    const methods = decodeMethods(this.int(i));
    if (methods === undefined) throw new MalformedPayloadError(`Field ${i} names unknown auth methods.`);
    return methods;
  }

  /** A (is_stored_as_bytes, value) pair. */
  id(i: number): string {
    const v = this.at(i);
    if (!Array.isArray(v) || v.length !== 2) throw new MalformedPayloadError(`Field ${i} is not an id pair.`);
    const [asBytes, value] = v as [unknown, unknown];
    if (asBytes === true && value instanceof Uint8Array && value.length === 16) return Buffer.from(value).toString('hex');
    if (asBytes === false && typeof value === 'string') return value;
    if (asBytes === false && value instanceof Uint8Array) return Buffer.from(value).toString('utf8'); // msgpack < 1.0 raw strings
    throw new MalformedPayloadError(`Field ${i} is not a valid id.`);
  }

  uuid(i: number): string {
    const v = this.at(i);
    if (!(v instanceof Uint8Array) || v.length !== 16) throw new MalformedPayloadError(`Field ${i} is not a UUID.`);
    return Buffer.from(v).toString('hex');
  }

  domainId(i: number): string {
    const v = this.at(i);
    return typeof v === 'string' ? v : this.uuid(i);
  }

  time(i: number): Date {
    const v = this.at(i);
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new MalformedPayloadError(`Field ${i} is not a timestamp.`);
    return new Date(Math.round(v * 1000));
  }

  audit(i: number): string[] {
    const v = this.at(i);
    if (!Array.isArray(v) || !v.every((a): a is Uint8Array => a instanceof Uint8Array)) {
      throw new MalformedPayloadError(`Field ${i} is not a list of audit ids.`);
    }
    return v.map((a) => Buffer.from(a).toString('base64url'));
  }

  /** Fields 3-5 shared by project, trust and application credential payloads. */
  projectScoped<T extends object>(base: T): T & Pick<TokenPayload, 'scope' | 'expiresAt' | 'auditIds'> {
    return { ...base, scope: { type: 'project', projectId: this.id(3) }, expiresAt: this.time(4), auditIds: this.audit(5) };
  }
}
