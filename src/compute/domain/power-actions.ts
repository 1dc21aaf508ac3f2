import { PowerState } from '../virt/driver.js';
import { TaskState, VmState } from './states.js';

/**
 * The simple lifecycle actions as data (Nova's compute API checks plus the compute
 * manager's end states): which vm_states allow the action, the task_state it runs
 * under, the driver call the agent makes and the states it ends in.
 */
export interface PowerAction {
  /** Nova's action name (instance actions, 409 messages). */
  name: string;
  vmStates: readonly string[];
  taskState: string;
  /** Driver method the agent calls. */
  driverCall: 'powerOff' | 'powerOn' | 'rebootSoft' | 'rebootHard' | 'pause' | 'unpause' | 'suspend' | 'resume' | 'rescue' | 'unrescue';
  /** The instance action event name. */
  event: string;
  done: { vm_state: string; power_state: number };
}

const ACTION_LIST: PowerAction[] = [
  { name: 'stop', vmStates: [VmState.ACTIVE, VmState.ERROR, VmState.RESCUED], taskState: TaskState.POWERING_OFF, driverCall: 'powerOff', event: 'compute_stop_instance', done: { vm_state: VmState.STOPPED, power_state: PowerState.SHUTDOWN } },
  { name: 'start', vmStates: [VmState.STOPPED], taskState: TaskState.POWERING_ON, driverCall: 'powerOn', event: 'compute_start_instance', done: { vm_state: VmState.ACTIVE, power_state: PowerState.RUNNING } },
  { name: 'reboot', vmStates: [VmState.ACTIVE], taskState: TaskState.REBOOTING, driverCall: 'rebootSoft', event: 'compute_reboot_instance', done: { vm_state: VmState.ACTIVE, power_state: PowerState.RUNNING } },
  { name: 'reboot_hard', vmStates: [VmState.ACTIVE, VmState.STOPPED, VmState.PAUSED, VmState.SUSPENDED, VmState.ERROR], taskState: TaskState.REBOOTING_HARD, driverCall: 'rebootHard', event: 'compute_reboot_instance', done: { vm_state: VmState.ACTIVE, power_state: PowerState.RUNNING } },
  { name: 'pause', vmStates: [VmState.ACTIVE], taskState: TaskState.PAUSING, driverCall: 'pause', event: 'compute_pause_instance', done: { vm_state: VmState.PAUSED, power_state: PowerState.PAUSED } },
  { name: 'unpause', vmStates: [VmState.PAUSED], taskState: TaskState.UNPAUSING, driverCall: 'unpause', event: 'compute_unpause_instance', done: { vm_state: VmState.ACTIVE, power_state: PowerState.RUNNING } },
  { name: 'suspend', vmStates: [VmState.ACTIVE], taskState: TaskState.SUSPENDING, driverCall: 'suspend', event: 'compute_suspend_instance', done: { vm_state: VmState.SUSPENDED, power_state: PowerState.SUSPENDED } },
  { name: 'resume', vmStates: [VmState.SUSPENDED], taskState: TaskState.RESUMING, driverCall: 'resume', event: 'compute_resume_instance', done: { vm_state: VmState.ACTIVE, power_state: PowerState.RUNNING } },
  { name: 'rescue', vmStates: [VmState.ACTIVE, VmState.STOPPED, VmState.ERROR], taskState: TaskState.RESCUING, driverCall: 'rescue', event: 'compute_rescue_instance', done: { vm_state: VmState.RESCUED, power_state: PowerState.RUNNING } },
  { name: 'unrescue', vmStates: [VmState.RESCUED], taskState: TaskState.UNRESCUING, driverCall: 'unrescue', event: 'compute_unrescue_instance', done: { vm_state: VmState.ACTIVE, power_state: PowerState.RUNNING } },
];

export const POWER_ACTIONS: ReadonlyMap<string, PowerAction> = new Map(ACTION_LIST.map((a) => [a.name, a]));
