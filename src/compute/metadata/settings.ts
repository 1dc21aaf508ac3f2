/** What the metadata service needs from its configuration, already resolved. */
export interface MetadataSettings {
  /**
   * Key of the HMAC a metadata proxy signs X-Instance-ID with ([metadata]
   * metadata_proxy_shared_secret, Nova's [neutron] option). Null: signed requests are refused.
   */
  sharedSecret: string | null;
  /** Seconds the network facts of an instance and address lookups are reused ([metadata] metadata_cache_expiration); 0 disables. */
  cacheSeconds: number;
  /** Appended to instance host names ([metadata] dhcp_domain); null for bare host names. */
  dhcpDomain: string | null;
  /**
   * Believe X-Forwarded-For (and the X-Neutron-* hints) from any caller ([metadata]
   * use_forwarded_for). Loopback callers, a proxy on this host, are always believed.
   */
  trustForwardedFor: boolean;
}
