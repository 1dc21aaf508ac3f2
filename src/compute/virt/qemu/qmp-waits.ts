import { DriverError, PowerState, type PowerStateValue } from '../driver.js';
import type { QmpClient } from './qmp.js';

/** Nova's power state for a QMP run state. */
export function powerStateOf(status: string): PowerStateValue {
  switch (status) {
    case 'running': return PowerState.RUNNING;
    case 'paused': case 'inmigrate': case 'postmigrate': case 'prelaunch': case 'finish-migrate': case 'restore-vm': case 'save-vm': case 'debug': return PowerState.PAUSED;
    case 'suspended': return PowerState.SUSPENDED;
    case 'shutdown': return PowerState.SHUTDOWN;
    case 'internal-error': case 'io-error': case 'guest-panicked': case 'watchdog': return PowerState.CRASHED;
    default: return PowerState.NOSTATE;
  }
}

/** Polls a running migration (a save to a file, or a live migration) to its end: 'completed', or 'cancelled' when cancellation is expected. */
export async function waitForMigration(qmp: QmpClient, timeoutMs: number, cancellable = false): Promise<'completed' | 'cancelled'> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    const m = await qmp.execute('query-migrate');
    if (m.status === 'completed') return 'completed';
    if (m.status === 'cancelled' && cancellable) return 'cancelled';
    if (m.status === 'failed' || m.status === 'cancelled') throw new DriverError(`Migration of the guest's state failed: ${m['error-desc'] ?? m.status}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  if (cancellable) await qmp.execute('migrate_cancel').catch(() => undefined);
  throw new DriverError(`Migration of the guest's state did not finish in ${timeoutMs / 1000} s`);
}

export async function waitForStatus(qmp: QmpClient, done: (status: string) => boolean, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (done((await qmp.execute('query-status')).status)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new DriverError(`The guest's saved state did not load in ${timeoutMs / 1000} s`);
}

/**
 * Hot-unplug as libvirt does it: device_del asks the guest to let the device go (ACPI),
 * QEMU confirms with DEVICE_DELETED. Resolves once confirmed; false when the guest did
 * not let go in `timeoutMs` (the device stays, so its backend must stay too).
 */
export async function deleteDevice(qmp: QmpClient, id: string, timeoutMs: number): Promise<boolean> {
  const deleted = qmp.waitEvent('DEVICE_DELETED', timeoutMs, (d) => d['device'] === id);
  deleted.catch(() => undefined);
  await qmp.execute('device_del', { id });
  return deleted.then(() => true, () => false);
}
