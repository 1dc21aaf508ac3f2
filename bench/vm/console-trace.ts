/**
 * Follows a guest's serial console file (QEMU's `-chardev file`, console.log) from the
 * host, the same way for a cloud guest and a bare one, and tells when each step of the
 * Stratus guest's boot showed (guest/rootfs/etc/init.d/rcS): QEMU running (the file
 * exists), DHCP done, metadata read, and the user-data marker. The file is read
 * directly, only its new bytes, every POLL_MS: no API call is made while a guest boots,
 * so polling costs the cloud nothing and the times are within POLL_MS.
 */
import { open, stat } from 'node:fs/promises';
import { sleep } from '../dataplane/vms.js';

const POLL_MS = 50;
/** A failed boot is noticed within this; rare enough (one GET) not to load the API while guests boot. */
const CHECK_MS = 5000;

/** One boot, in ms from its start (the POST /servers, or the bare run's first file). */
export interface BootTrace {
  /** The console file appeared: QEMU has started. */
  qemuMs: number | null;
  /** rcS printed the first NIC's DHCP result. */
  dhcpMs: number | null;
  /** rcS printed where the metadata came from. */
  metadataMs: number | null;
  /** The user-data script's marker. */
  markerMs: number;
  /** The guest's own uptime (s) when its user data ran: the part spent inside the guest. */
  guestUptimeS: number | null;
  /** "config-drive (/dev/sr0)", "openstack-http (...)", ... as the guest said. */
  metadataSource: string | null;
}

/** The user-data script: prints a marker unique to one boot, with the guest's uptime. */
export const markerScript = (marker: string): string => `#!/bin/sh\necho "${marker} uptime=$(cut -d' ' -f1 /proc/uptime)"\n`;

export interface WatchOptions {
  /** performance.now() the boot started at. */
  t0: number;
  timeoutMs: number;
  /** Called every CHECK_MS while waiting; throwing ends the wait (a server gone to ERROR). */
  check?: () => Promise<void>;
}

/** Waits for `marker` on the console at `file`; rejects after `timeoutMs` with the console's last lines. */
export async function traceBoot(file: string, marker: string, opts: WatchOptions): Promise<BootTrace> {
  const since = (): number => Math.round(performance.now() - opts.t0);
  const trace: Omit<BootTrace, 'markerMs'> = { qemuMs: null, dhcpMs: null, metadataMs: null, guestUptimeS: null, metadataSource: null };
  const markerLine = new RegExp(`^${marker} uptime=([0-9.]+)\\s*$`, 'm');
  let text = '';
  let offset = 0;
  let lastCheck = performance.now();
  while (performance.now() - opts.t0 < opts.timeoutMs) {
    const size = await stat(file).then((s) => s.size, () => null);
    if (size !== null) {
      trace.qemuMs ??= since();
      if (size > offset) {
        const fh = await open(file, 'r');
        try {
          const buf = Buffer.alloc(size - offset);
          const { bytesRead } = await fh.read(buf, 0, buf.length, offset);
          offset += bytesRead;
          text += buf.subarray(0, bytesRead).toString('latin1');
        } finally {
          await fh.close();
        }
        // Whole lines only: a read can end in the middle of one ("source=config", "uptime=1").
        const lines = text.slice(0, text.lastIndexOf('\n') + 1);
        if (trace.dhcpMs === null && /stratus-guest: eth0 mac=\S+ ip=/.test(lines)) trace.dhcpMs = since();
        const source = /stratus-guest: metadata source=(.*)/.exec(lines);
        if (trace.metadataMs === null && source) {
          trace.metadataMs = since();
          trace.metadataSource = source[1]!.trim();
        }
        const m = markerLine.exec(lines);
        if (m) return { ...trace, markerMs: since(), guestUptimeS: Number(m[1]) };
      }
    }
    if (opts.check && performance.now() - lastCheck > CHECK_MS) {
      lastCheck = performance.now();
      await opts.check();
    }
    await sleep(POLL_MS);
  }
  const tail = text.trim().split('\n').slice(-4).join(' | ');
  throw new Error(`no marker ${marker} on ${file} in ${opts.timeoutMs / 1000} s; console ends: ${tail || '(nothing)'}`);
}
