import type { Logger } from '../../core/log.js';

/** An event the compute service takes at os-server-external-events (Nova's InstanceExternalEvent). */
export interface ComputeEvent {
  name: 'network-vif-plugged' | 'network-vif-unplugged' | 'network-vif-deleted' | 'network-changed';
  server_uuid: string;
  /** The port id. */
  tag: string;
  status: 'completed' | 'failed';
}

/** Where the network service sends compute events (Neutron's nova notifier); none without compute. */
export type ComputeEventSink = (events: ComputeEvent[]) => Promise<void>;

/**
 * Events over HTTP to the compute API as the service account, as Neutron's nova
 * notifier sends them. A failure is logged, never raised: a port is plugged whether
 * or not the compute service heard of it (a build waiting for it times out by itself).
 */
export function httpComputeEvents(computeUrl: string, token: (renew: boolean) => Promise<string>, log: Logger): ComputeEventSink {
  return async (events) => {
    const post = async (renew: boolean): Promise<Response> => fetch(`${computeUrl}/os-server-external-events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-auth-token': await token(renew) },
      body: JSON.stringify({ events }),
    });
    try {
      let res = await post(false);
      if (res.status === 401) res = await post(true);
      // 207: some servers are unknown (deleted meanwhile), which is no error of ours.
      if (res.status !== 200 && res.status !== 207) log.warn({ status: res.status, body: await res.text() }, 'compute did not take network events');
    } catch (err) {
      log.warn({ err }, 'compute events not sent');
    }
  };
}
