import { RemoteApiError } from '../../core/http/index.js';
import type { NovaError } from '../errors.js';

/** What the network service said when it refused a call: its status, error type and message. */
export interface NeutronFault {
  status: number;
  /** Neutron's exception name (SecurityGroupInUse, OverQuota, ...); '' when the body had none. */
  type: string;
  message: string;
}

/** The network service's refusal inside `e`, or null when `e` is something else. */
export function neutronFault(e: unknown): NeutronFault | null {
  if (!(e instanceof RemoteApiError)) return null;
  const body = (e.body as { NeutronError?: { type?: unknown; message?: unknown } } | null | undefined)?.NeutronError;
  return {
    status: e.status,
    type: typeof body?.type === 'string' ? body.type : '',
    message: typeof body?.message === 'string' ? body.message : e.message,
  };
}

/**
 * Runs a network call and turns the refusals `translate` knows into Nova's errors, as
 * nova/network/security_group_api.py and neutron.py do per call; anything it leaves
 * undefined propagates unchanged (an unexpected error: Nova's generic 500).
 */
export async function translated<T>(call: () => Promise<T>, translate: (fault: NeutronFault) => NovaError | undefined): Promise<T> {
  try {
    return await call();
  } catch (e) {
    const fault = neutronFault(e);
    const mapped = fault ? translate(fault) : undefined;
    throw mapped ?? e;
  }
}
