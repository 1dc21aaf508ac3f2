import { randomBytes } from 'node:crypto';
import type { ComputeService } from '../service.js';
import { notFound } from './errors.js';
import { identify, type Requester } from './identify.js';
import { readInstanceFacts } from './instance-facts.js';
import { vifsOf, type MetadataNetwork } from './network-facts.js';
import type { MetadataSettings } from './settings.js';
import type { MetadataSource, VifFacts } from './source.js';
import { TtlCache } from './ttl-cache.js';

/** An identified request: the instance's metadata source and where the request came from. */
export interface Identified {
  source: MetadataSource;
  address: string;
}

/**
 * The metadata service's state: who may ask and what they get. The instance itself is
 * read from the compute database on every request (so deleted instances and new
 * passwords show at once); its ports and address lookups, which cost calls to the
 * network service, are cached for metadata_cache_expiration seconds as Nova caches.
 */
export class MetadataService {
  private readonly vifs: TtlCache<VifFacts[]>;
  private readonly lookups: TtlCache<string>;

  constructor(
    readonly compute: ComputeService,
    /** The network service acting as the compute service (it must see every project's ports). */
    private readonly network: MetadataNetwork,
    readonly settings: MetadataSettings,
    /** Randomness of meta_data.json's random_seed; injected so tests can pin it. */
    readonly random: (size: number) => Buffer = randomBytes,
  ) {
    this.vifs = new TtlCache(settings.cacheSeconds, compute.clock);
    this.lookups = new TtlCache(settings.cacheSeconds, compute.clock);
  }

  /** The instance a request is for; 404 when none matches, as Nova answers. */
  async identify(requester: Requester): Promise<Identified> {
    const claim = await identify(requester, {
      network: this.network, sharedSecret: this.settings.sharedSecret, trustForwardedFor: this.settings.trustForwardedFor, lookups: this.lookups,
    });
    const source = claim ? await this.sourceOf(claim.uuid) : null;
    if (!claim || !source) throw notFound();
    if (claim.projectId !== null && claim.projectId !== source.projectId) {
      this.compute.log.warn({ instance: claim.uuid, tenant: claim.projectId }, 'metadata request tenant does not match the instance\'s project');
      throw notFound();
    }
    return { source, address: claim.address };
  }

  /** Everything the documents of a live instance are made from; null when it does not exist or is deleted. */
  async sourceOf(uuid: string): Promise<MetadataSource | null> {
    const facts = await readInstanceFacts(this.compute, uuid, this.settings.dhcpDomain);
    if (!facts) return null;
    let vifs = this.vifs.get(uuid);
    if (!vifs) {
      vifs = await vifsOf(this.network, uuid, facts.portOrder);
      this.vifs.set(uuid, vifs);
    }
    return { ...facts.source, vifs };
  }
}
