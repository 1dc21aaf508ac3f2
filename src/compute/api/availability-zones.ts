import type { FastifyInstance } from 'fastify';
import { callerOf } from '../../core/auth/index.js';
import { aggregateZones, zoneOfService } from '../domain/availability-zones.js';
import { isUp, listServices } from '../domain/services.js';
import { COMPUTE_BINARY } from '../rpc/contract.js';
import type { ComputeService } from '../service.js';
import type { Guard } from './index.js';
import { novaTime } from './services.js';

export function registerAvailabilityZoneRoutes(app: FastifyInstance, svc: ComputeService, authed: Guard): void {
  // A zone is available while one of its enabled compute services is; the internal zone is not listed here.
  app.get('/v2.1/os-availability-zone', authed, async (request) => {
    svc.authorize(callerOf(request), 'os_compute_api:os-availability-zone:list');
    const zones = new Map<string, boolean>();
    const hostZones = await aggregateZones(svc);
    for (const s of await listServices(svc, { binary: COMPUTE_BINARY })) {
      const zone = zoneOfService(svc, s, hostZones);
      zones.set(zone, (zones.get(zone) ?? false) || !s.disabled);
    }
    return {
      availabilityZoneInfo: [...zones].map(([zoneName, available]) => ({ zoneName, zoneState: { available }, hosts: null })),
    };
  });

  app.get('/v2.1/os-availability-zone/detail', authed, async (request) => {
    svc.authorize(callerOf(request), 'os_compute_api:os-availability-zone:detail');
    const zones = new Map<string, { available: boolean; hosts: Record<string, Record<string, unknown>> }>();
    const hostZones = await aggregateZones(svc);
    for (const s of await listServices(svc)) {
      const zoneName = zoneOfService(svc, s, hostZones);
      const zone = zones.get(zoneName) ?? { available: false, hosts: {} };
      if (s.binary !== COMPUTE_BINARY || !s.disabled) zone.available = true;
      zone.hosts[s.host] = { ...zone.hosts[s.host], [s.binary]: { available: isUp(svc, s), active: !s.disabled, updated_at: novaTime(s.updated_at) } };
      zones.set(zoneName, zone);
    }
    return {
      availabilityZoneInfo: [...zones].map(([zoneName, z]) => ({ zoneName, zoneState: { available: z.available }, hosts: z.hosts })),
    };
  });
}
