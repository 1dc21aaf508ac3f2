import type { FastifyInstance, FastifyRequest } from 'fastify';
import { callerOf } from '../../core/auth/index.js';
import { getInstance } from '../domain/instances.js';
import { VmState } from '../domain/states.js';
import { NovaError } from '../errors.js';
import { COMPUTE_TOPIC } from '../rpc/contract.js';
import type { ComputeService } from '../service.js';
import type { InstanceDiagnostics } from '../virt/driver.js';
import type { Guard } from './index.js';

/** 2.48's standard form. */
function standardView(d: InstanceDiagnostics): Record<string, unknown> {
  return {
    state: d.state, driver: d.driver, hypervisor: d.hypervisor, hypervisor_os: d.hypervisorOs, uptime: d.uptimeSeconds, config_drive: d.configDrive,
    num_cpus: d.cpus.length, num_nics: d.nics.length, num_disks: d.disks.length,
    memory_details: { maximum: d.memoryMaximumMb, used: d.memoryUsedMb },
    cpu_details: d.cpus.map((c) => ({ id: c.id, time: c.timeNs, utilisation: c.utilisation })),
    nic_details: d.nics.map((n) => ({
      mac_address: n.macAddress, rx_octets: n.rxOctets, rx_errors: n.rxErrors, rx_drop: n.rxDrop, rx_packets: n.rxPackets, rx_rate: null,
      tx_octets: n.txOctets, tx_errors: n.txErrors, tx_drop: n.txDrop, tx_packets: n.txPackets, tx_rate: null,
    })),
    disk_details: d.disks.map((k) => ({ read_bytes: k.readBytes, read_requests: k.readRequests, write_bytes: k.writeBytes, write_requests: k.writeRequests, errors_count: k.errors })),
  };
}

/** Before 2.48 each driver had its own flat form; this is the libvirt one (cpuN_time, memory, vdX_read, tapX_rx...). */
function legacyView(d: InstanceDiagnostics): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const c of d.cpus) out[`cpu${c.id}_time`] = c.timeNs;
  out.memory = d.memoryMaximumMb === null ? null : d.memoryMaximumMb * 1024;
  out['memory-actual'] = out.memory;
  for (const k of d.disks) Object.assign(out, { [`${k.name}_read`]: k.readBytes, [`${k.name}_read_req`]: k.readRequests, [`${k.name}_write`]: k.writeBytes, [`${k.name}_write_req`]: k.writeRequests, [`${k.name}_errors`]: k.errors });
  d.nics.forEach((n, i) => Object.assign(out, { [`tap${i}_rx`]: n.rxOctets, [`tap${i}_rx_packets`]: n.rxPackets, [`tap${i}_rx_drop`]: n.rxDrop, [`tap${i}_rx_errors`]: n.rxErrors,
    [`tap${i}_tx`]: n.txOctets, [`tap${i}_tx_packets`]: n.txPackets, [`tap${i}_tx_drop`]: n.txDrop, [`tap${i}_tx_errors`]: n.txErrors }));
  return out;
}

/** GET /servers/{id}/diagnostics (admins): asked of the host's driver. */
export function registerDiagnosticsRoutes(app: FastifyInstance, svc: ComputeService, authed: Guard): void {
  app.get<{ Params: { id: string } }>('/v2.1/servers/:id/diagnostics', authed, async (request: FastifyRequest<{ Params: { id: string } }>) => {
    const ctx = callerOf(request);
    const row = await getInstance(svc, ctx, request.params.id);
    svc.authorize(ctx, 'os_compute_api:os-server-diagnostics', { project_id: row.project_id });
    if (!row.host || row.vm_state === VmState.BUILDING || row.vm_state === VmState.SHELVED_OFFLOADED) {
      throw new NovaError(409, `Cannot 'get_diagnostics' instance ${row.uuid} while it is in vm_state ${row.vm_state}`);
    }
    const d = await svc.bus.call<InstanceDiagnostics>({ topic: COMPUTE_TOPIC, server: row.host }, 'get_diagnostics', { uuid: row.uuid }, { timeoutMs: 30_000 })
      .catch(() => { throw new NovaError(409, `Instance ${row.uuid} is not ready`); });
    return request.apiVersion.atLeast('2.48') ? standardView(d) : legacyView(d);
  });
}
