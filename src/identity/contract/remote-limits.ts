import { ServiceUnavailableError } from '../../core/http/index.js';
import type { ServiceSession } from './service-session.js';

/**
 * Reads unified limits from identity the way oslo.limit does for a service: the
 * registered default of each resource of the service in its region, overridden by the
 * project's own limit when there is one. A resource with neither has no entry.
 */
export class RemoteLimitReader {
  private serviceId: string | undefined;

  constructor(private readonly session: ServiceSession, private readonly serviceType: string, private readonly region: string) {}

  async limitsFor(projectId: string): Promise<Map<string, number>> {
    const serviceId = await this.service();
    const scope = `service_id=${encodeURIComponent(serviceId)}&region_id=${encodeURIComponent(this.region)}`;
    const [registered, overrides] = await Promise.all([
      this.read<{ registered_limits: Array<{ resource_name: string; default_limit: number }> }>(`/v3/registered_limits?${scope}`),
      this.read<{ limits: Array<{ resource_name: string; resource_limit: number }> }>(`/v3/limits?${scope}&project_id=${encodeURIComponent(projectId)}`),
    ]);
    const limits = new Map<string, number>();
    for (const r of registered.registered_limits) limits.set(r.resource_name, r.default_limit);
    for (const l of overrides.limits) limits.set(l.resource_name, l.resource_limit);
    return limits;
  }

  private async service(): Promise<string> {
    if (this.serviceId) return this.serviceId;
    const body = await this.read<{ services: Array<{ id: string }> }>(`/v3/services?type=${encodeURIComponent(this.serviceType)}`);
    const id = body.services[0]?.id;
    if (!id) throw new ServiceUnavailableError(`Identity has no ${this.serviceType} service to read limits for.`);
    this.serviceId = id;
    return id;
  }

  private async read<T>(path: string): Promise<T> {
    const res = await this.session.get(path);
    if (!res.ok) throw new ServiceUnavailableError(`Identity answered ${res.status} while reading limits.`);
    return (await res.json()) as T;
  }
}
