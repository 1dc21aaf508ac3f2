/** Nova's vm_state values (nova/compute/vm_states.py). */
export const VmState = {
  ACTIVE: 'active', BUILDING: 'building', PAUSED: 'paused', SUSPENDED: 'suspended', STOPPED: 'stopped', RESCUED: 'rescued',
  RESIZED: 'resized', SOFT_DELETED: 'soft-delete', DELETED: 'deleted', ERROR: 'error', SHELVED: 'shelved', SHELVED_OFFLOADED: 'shelved_offloaded',
} as const;

/** Nova's task_state values used here (nova/compute/task_states.py). */
export const TaskState = {
  SCHEDULING: 'scheduling', NETWORKING: 'networking', BLOCK_DEVICE_MAPPING: 'block_device_mapping', SPAWNING: 'spawning',
  DELETING: 'deleting', POWERING_OFF: 'powering-off', POWERING_ON: 'powering-on', REBOOTING: 'rebooting', REBOOTING_HARD: 'rebooting_hard',
  PAUSING: 'pausing', UNPAUSING: 'unpausing', SUSPENDING: 'suspending', RESUMING: 'resuming', RESCUING: 'rescuing', UNRESCUING: 'unrescuing',
  REBUILDING: 'rebuilding', REBUILD_BLOCK_DEVICE_MAPPING: 'rebuild_block_device_mapping', REBUILD_SPAWNING: 'rebuild_spawning', RESIZE_PREP: 'resize_prep', RESIZE_MIGRATING: 'resize_migrating', RESIZE_MIGRATED: 'resize_migrated',
  RESIZE_FINISH: 'resize_finish', RESIZE_REVERTING: 'resize_reverting', RESIZE_CONFIRMING: 'resize_confirming', MIGRATING: 'migrating',
  REBOOT_PENDING: 'reboot_pending', REBOOT_STARTED: 'reboot_started', REBOOT_PENDING_HARD: 'reboot_pending_hard', REBOOT_STARTED_HARD: 'reboot_started_hard',
  IMAGE_SNAPSHOT: 'image_snapshot', IMAGE_SNAPSHOT_PENDING: 'image_snapshot_pending', IMAGE_BACKUP: 'image_backup', IMAGE_PENDING_UPLOAD: 'image_pending_upload', IMAGE_UPLOADING: 'image_uploading',
  SHELVING: 'shelving', SHELVING_IMAGE_PENDING_UPLOAD: 'shelving_image_pending_upload', SHELVING_IMAGE_UPLOADING: 'shelving_image_uploading',
  SHELVING_OFFLOADING: 'shelving_offloading', UNSHELVING: 'unshelving', UPDATING_PASSWORD: 'updating_password',
} as const;

/** The API `status` of a (vm_state, task_state) pair, as nova.api.openstack.common derives it. */
const STATUS_MAP: Record<string, Record<string, string>> = {
  active: {
    default: 'ACTIVE', rebooting: 'REBOOT', reboot_pending: 'REBOOT', reboot_started: 'REBOOT', rebooting_hard: 'HARD_REBOOT',
    reboot_pending_hard: 'HARD_REBOOT', reboot_started_hard: 'HARD_REBOOT', updating_password: 'PASSWORD', rebuilding: 'REBUILD',
    rebuild_block_device_mapping: 'REBUILD', rebuild_spawning: 'REBUILD', migrating: 'MIGRATING', resize_prep: 'RESIZE',
    resize_migrating: 'RESIZE', resize_migrated: 'RESIZE', resize_finish: 'RESIZE',
  },
  building: { default: 'BUILD' },
  stopped: { default: 'SHUTOFF', resize_prep: 'RESIZE', resize_migrating: 'RESIZE', resize_migrated: 'RESIZE', resize_finish: 'RESIZE', rebuilding: 'REBUILD', rebuild_block_device_mapping: 'REBUILD', rebuild_spawning: 'REBUILD' },
  resized: { default: 'VERIFY_RESIZE', resize_reverting: 'REVERT_RESIZE' },
  paused: { default: 'PAUSED', migrating: 'MIGRATING' },
  suspended: { default: 'SUSPENDED' },
  rescued: { default: 'RESCUE' },
  error: { default: 'ERROR', rebuilding: 'REBUILD', rebuild_block_device_mapping: 'REBUILD', rebuild_spawning: 'REBUILD' },
  deleted: { default: 'DELETED' },
  'soft-delete': { default: 'SOFT_DELETED' },
  shelved: { default: 'SHELVED' },
  shelved_offloaded: { default: 'SHELVED_OFFLOADED' },
};

export function statusOf(vmState: string, taskState: string | null): string {
  const map = STATUS_MAP[vmState];
  if (!map) return 'UNKNOWN';
  return (taskState && map[taskState]) || map.default!;
}

/** The vm_states a `status` filter selects (reverse of the map, defaults only, as Nova's list filter). */
export function vmStatesForStatus(status: string): string[] {
  const upper = status.toUpperCase();
  return Object.entries(STATUS_MAP).filter(([, m]) => Object.values(m).includes(upper)).map(([vm]) => vm);
}
