import { createHash, randomUUID } from 'node:crypto';
import type { InstanceRow } from '../db/schema.js';
import { badRequest, conflict, NovaError } from '../errors.js';
import { COMPUTE_TOPIC } from '../rpc/contract.js';
import type { ComputeService } from '../service.js';
import { VmState } from './states.js';

/** Console types by protocol, as Nova's remote-consoles schema pairs them. */
export const CONSOLE_TYPES: Readonly<Record<string, readonly string[]>> = {
  vnc: ['novnc', 'xvpvnc'], spice: ['spice-html5'], serial: ['serial'], rdp: ['rdp-html5'], mks: ['webmks'],
};

const hashOf = (token: string): string => createHash('sha256').update(token).digest('hex');

/**
 * A console URL for the instance (Nova's get_vnc_console and friends): the host's
 * agent says where the guest's console listens, a one-time token is recorded (only its
 * hash is kept) and the URL carries it as noVNC expects (?path=%3Ftoken%3D...).
 */
export async function consoleUrl(svc: ComputeService, row: InstanceRow, protocol: string, type: string): Promise<string> {
  if (!CONSOLE_TYPES[protocol]?.includes(type)) throw badRequest(`Invalid console type ${type}`);
  if (protocol !== 'vnc' || type !== 'novnc' || !svc.settings.vncEnabled) throw badRequest(`Unavailable console type ${type}.`);
  if (!row.host || row.vm_state === VmState.BUILDING || row.vm_state === VmState.SHELVED_OFFLOADED) throw conflict(`Instance ${row.uuid} is not ready.`);
  const where = await svc.bus.call<{ host: string; port: number }>({ topic: COMPUTE_TOPIC, server: row.host }, 'get_vnc_console', { uuid: row.uuid }, { timeoutMs: 30_000 })
    .catch(() => { throw new NovaError(409, `Instance ${row.uuid} is not ready.`); });
  const token = randomUUID();
  const expires = new Date(svc.clock.now().getTime() + svc.settings.consoleTokenTtl * 1000).toISOString();
  await svc.db.deleteFrom('console_auth_tokens').where('expires', '<', svc.now()).execute();
  await svc.db.insertInto('console_auth_tokens').values({
    token_hash: hashOf(token), console_type: type, host: where.host, port: where.port, internal_access_path: null, instance_uuid: row.uuid,
    access_url_base: svc.settings.novncProxyBaseUrl, expires,
  }).execute();
  const url = new URL(svc.settings.novncProxyBaseUrl);
  url.searchParams.set('path', `${url.searchParams.get('path') ?? ''}?token=${token}`);
  return url.toString();
}

export interface ConsoleConnection {
  instanceUuid: string;
  consoleType: string;
  host: string;
  port: number;
  internalAccessPath: string | null;
  /** The proxy URL the token was handed out under ([vnc] novncproxy_base_url then); the proxy checks Origin schemes against it. */
  accessUrlBase: string;
}

/** What a token opens (the console proxy's check, os-console-auth-tokens); undefined when unknown or expired. */
export async function consoleOfToken(svc: ComputeService, token: string): Promise<ConsoleConnection | undefined> {
  const row = await svc.db.selectFrom('console_auth_tokens').selectAll().where('token_hash', '=', hashOf(token)).executeTakeFirst();
  if (!row || row.expires < svc.now()) return undefined;
  return {
    instanceUuid: row.instance_uuid, consoleType: row.console_type, host: row.host, port: row.port,
    internalAccessPath: row.internal_access_path, accessUrlBase: row.access_url_base,
  };
}

/**
 * Uses up a token (the console proxy, once the guest's console answered): its row is
 * deleted, so a URL that leaks (browser history, logs, a shoulder) opens nothing later.
 * Stricter than Nova, whose tokens stay valid until they expire. True for exactly one
 * caller even when two connections race with the same token: the delete decides.
 */
export async function consumeConsoleToken(svc: ComputeService, token: string): Promise<boolean> {
  const res = await svc.db.deleteFrom('console_auth_tokens').where('token_hash', '=', hashOf(token)).where('expires', '>=', svc.now()).executeTakeFirst();
  return Number(res.numDeletedRows) > 0;
}

/** Tokens of a deleted instance open nothing any more (Nova deletes them with the instance). */
export async function deleteConsoleTokens(svc: ComputeService, instanceUuid: string): Promise<void> {
  await svc.db.deleteFrom('console_auth_tokens').where('instance_uuid', '=', instanceUuid).execute();
}
