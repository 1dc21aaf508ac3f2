import { defineSchema, opt, type ConfigOf } from '../core/config/index.js';
import type { MetadataSettings } from './metadata/settings.js';
import { DEFAULT_QUOTAS, type ComputeSettings, type QuotaResource } from './settings.js';

const quotaOptions = Object.fromEntries(Object.entries(DEFAULT_QUOTAS).map(([name, value]) =>
  [name, opt.int({ default: value, min: -1, help: `Default ${name.replace(/_/g, ' ')} per project; -1 for unlimited.` })])) as
  Record<QuotaResource, ReturnType<typeof opt.int>>;

/** The compute service's configuration, with Nova's option names and defaults. */
export const computeOptions = defineSchema({
  compute: {
    port: opt.port({ default: 8774, help: 'Port of the compute API (before the port offset).' }),
    service_down_time: opt.int({ default: 60, min: 1, help: 'Seconds without a heartbeat after which a compute service counts as down.' }),
    report_interval: opt.int({ default: 10, min: 1, help: 'Seconds between a compute agent\'s heartbeats.' }),
    initial_cpu_allocation_ratio: opt.float({ default: 16.0, min: 0.0001, help: 'VCPU overcommit of new compute nodes.' }),
    initial_ram_allocation_ratio: opt.float({ default: 1.5, min: 0.0001, help: 'Memory overcommit of new compute nodes.' }),
    initial_disk_allocation_ratio: opt.float({ default: 1.0, min: 0.0001, help: 'Disk overcommit of new compute nodes.' }),
    reserved_host_memory_mb: opt.int({ default: 512, min: 0, help: 'Memory kept for the host, not offered to instances.' }),
    internal_service_availability_zone: opt.str({ default: 'internal', help: 'Zone shown for the scheduler and conductor.' }),
    allow_resize_to_same_host: opt.bool({ default: true, help: 'Let a resize stay on the host the instance runs on. Nova defaults to false; here true, because an all-in-one cloud has one host.' }),
    resize_confirm_window: opt.int({ default: 0, min: 0, help: 'Seconds after which a resize or cold migration waiting in VERIFY_RESIZE is confirmed automatically; 0 never.' }),
    shelved_offload_time: opt.int({ default: 0, min: -1, help: 'Seconds a shelved instance keeps its host before it is offloaded; 0 at once, -1 never.' }),
    vif_plugging_timeout: opt.int({ default: 300, min: 0, help: 'Seconds a build waits for the network service to report each port plugged (network-vif-plugged: every dataplane, noop included, reports its plugs) before it fails, as Nova; 0 does not wait.' }),
    sync_power_state_interval: opt.int({ default: 600, help: 'Seconds between syncs of the recorded power states with the hypervisor\'s (also done when an agent starts); 0 or less: only at start.' }),
    compute_driver: opt.str({ default: 'fake', choices: ['fake', 'qemu'], help: 'The hypervisor of the compute hosts: fake keeps guests in memory (any machine, no root); qemu runs each guest as a QEMU virtual machine (root, Debian package qemu-system-x86; pair it with [network] dataplane = linux so guests have networks).' }),
    force_config_drive: opt.bool({ default: false, help: 'Give every instance a config drive, asked for or not (Nova\'s force_config_drive).' }),
    register_guest_image: opt.bool({ default: false, help: 'At start, build the Stratus test guest from Debian packages (cached) and register it as the public image stratus-guest, with the m1.tiny flavor (`stratus up --guest-image`; root).' }),
    fake_hosts: opt.int({ default: 0, min: 0, max: 1000, help: 'Run this many fake compute hosts (fake-host-1..N) in the all-in-one instead of one on [DEFAULT] host (`stratus up --fake-hosts N`).' }),
  },
  vnc: {
    enabled: opt.bool({ default: true, help: 'Offer VNC consoles (openstack console url show).' }),
    novncproxy_base_url: opt.str({ help: 'Base URL of the noVNC console proxy handed to users; defaults to http://<public host>:<6080 + port offset>/vnc_auto.html.' }),
  },
  qemu: {
    virt_type: opt.str({ default: 'auto', choices: ['auto', 'kvm', 'qemu'], help: 'kvm: hardware virtualisation (fails to start when KVM does not work); qemu: TCG emulation; auto: probe KVM by booting a kernel under it for kvm_probe_timeout seconds, TCG when it does not print (on some hosts /dev/kvm exists and hangs).' }),
    kvm_probe_kernel: opt.str({ help: 'The kernel the KVM probe boots; default: the Stratus guest image\'s kernel when built, else the newest /boot/vmlinuz-*.' }),
    kvm_probe_timeout: opt.int({ default: 5, min: 1, help: 'Seconds the KVM probe waits for the kernel\'s banner.' }),
    instances_path: opt.str({ help: 'Where guests\' disks, consoles and control sockets live (one directory per host and instance); default <data_dir>/instances.' }),
    vnc_server_listen: opt.str({ default: '127.0.0.1', help: 'Address guests\' VNC servers listen on; the console proxy connects there (Nova\'s [vnc] server_listen).' }),
    tap_wait: opt.int({ default: 15, min: 0, help: 'Seconds a spawn waits for the network agent to make a port\'s tap before making it itself (unwired).' }),
  },
  consoleauth: {
    token_ttl: opt.int({ default: 600, min: 1, help: 'Seconds a console token stays valid.' }),
  },
  fake_driver: {
    vcpus: opt.int({ default: 16, min: 1, help: 'VCPUs each fake hypervisor reports.' }),
    memory_mb: opt.int({ default: 32768, min: 1, help: 'Memory (MiB) each fake hypervisor reports.' }),
    local_gb: opt.int({ default: 500, min: 1, help: 'Disk (GiB) each fake hypervisor reports.' }),
    delay_ms: opt.int({ default: 0, min: 0, help: 'Milliseconds every fake hypervisor operation takes.' }),
    spawn_failure_pattern: opt.str({ help: 'Regular expression: spawning an instance whose name matches fails (failure injection for tests).' }),
  },
  quota: quotaOptions,
  metadata: {
    port: opt.port({ default: 8775, help: 'Port of the metadata service guests read (Nova\'s metadata_listen_port; before the port offset).' }),
    metadata_proxy_shared_secret: opt.str({
      secret: true,
      help: 'Key of the HMAC-SHA256 a metadata proxy signs X-Instance-ID with. The all-in-one generates one into <data_dir>/bootstrap-secrets.json when unset.',
    }),
    metadata_cache_expiration: opt.int({ default: 15, min: 0, help: 'Seconds an instance\'s network facts and address lookups are cached; 0 disables the cache.' }),
    dhcp_domain: opt.str({ default: 'novalocal', help: 'Domain appended to instance host names in metadata; empty for none.' }),
    use_forwarded_for: opt.bool({
      default: false,
      help: 'Identify instances by X-Forwarded-For from any caller. Off: only callers on loopback (a local metadata proxy) are believed, so a guest cannot pose as another.',
    }),
  },
});

export type ComputeConfig = ConfigOf<typeof computeOptions>;

/** Port of the console proxy (Nova's novncproxy), before the port offset. */
export const CONSOLE_PROXY_PORT = 6080;

export function computeSettingsFrom(cfg: ComputeConfig & { DEFAULT: { default_availability_zone: string; port_offset: number; bind_host: string; public_host?: string | null | undefined } }): ComputeSettings {
  return {
    defaultQuotas: Object.fromEntries(Object.keys(DEFAULT_QUOTAS).map((k) => [k, cfg.quota[k as QuotaResource]])) as Record<QuotaResource, number>,
    defaultAvailabilityZone: cfg.DEFAULT.default_availability_zone,
    internalAvailabilityZone: cfg.compute.internal_service_availability_zone,
    serviceDownTime: cfg.compute.service_down_time,
    reportInterval: cfg.compute.report_interval,
    cpuAllocationRatio: cfg.compute.initial_cpu_allocation_ratio,
    ramAllocationRatio: cfg.compute.initial_ram_allocation_ratio,
    diskAllocationRatio: cfg.compute.initial_disk_allocation_ratio,
    reservedHostMemoryMb: cfg.compute.reserved_host_memory_mb,
    allowResizeToSameHost: cfg.compute.allow_resize_to_same_host,
    resizeConfirmWindow: cfg.compute.resize_confirm_window,
    shelvedOffloadTime: cfg.compute.shelved_offload_time,
    vncEnabled: cfg.vnc.enabled,
    novncProxyBaseUrl: cfg.vnc.novncproxy_base_url
      ?? `http://${cfg.DEFAULT.public_host ?? cfg.DEFAULT.bind_host}:${CONSOLE_PROXY_PORT + cfg.DEFAULT.port_offset}/vnc_auto.html`,
    consoleTokenTtl: cfg.consoleauth.token_ttl,
  };
}

/** The metadata service's settings; `generatedSecret` is used when none is configured. */
export function metadataSettingsFrom(cfg: ComputeConfig, generatedSecret: string | null = null): MetadataSettings {
  const m = cfg.metadata;
  return {
    sharedSecret: m.metadata_proxy_shared_secret || generatedSecret,
    cacheSeconds: m.metadata_cache_expiration,
    dhcpDomain: m.dhcp_domain || null,
    trustForwardedFor: m.use_forwarded_for,
  };
}
