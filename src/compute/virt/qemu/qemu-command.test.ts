import { describe, expect, it } from 'vitest';
import type { InstanceSpec } from '../driver.js';
import { InstancePaths, type InstanceRecord } from './instance-files.js';
import { nicOf, qemuArgs, smpOf } from './qemu-command.js';
import { volumeDevices } from './volumes.js';

const spec: InstanceSpec = {
  uuid: '11111111-2222-3333-4444-555555555555', name: 'vm', hostname: 'vm', vcpus: 2, memoryMb: 256, rootGb: 1, ephemeralGb: 0, swapMb: 0,
  extraSpecs: {}, imageId: 'img', imageProperties: {}, userData: null, keyData: null, configDrive: false, metadata: {},
};
const vif = { portId: 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee', macAddress: 'fa:16:3e:00:00:01', networkId: 'n', devname: 'tapaaaaaaaa-bb', mtu: 1450, fixedIps: [] };
const record = (over: Partial<InstanceRecord> = {}): InstanceRecord => ({
  spec, vifs: [vif], rootFormat: 'qcow2', hasEphemeral: false, hasSwap: false, hasConfigDrive: false, ownTaps: [], rescued: false, ...over,
});
const paths = new InstancePaths('/i/vm');
const valueOf = (args: string[], flag: string): string[] => args.flatMap((a, i) => (args[i - 1] === flag ? [a] : []));

describe('qemuArgs', () => {
  it('boots the root disk first on virtio with the flavor\'s memory and CPUs, daemonized with QMP and a console log', () => {
    const args = qemuArgs(record(), paths, { accel: 'tcg', vncListen: '127.0.0.1' });
    expect(valueOf(args, '-m')).toEqual(['256']);
    expect(valueOf(args, '-smp')).toEqual(['2,sockets=2,cores=1,threads=1']);
    expect(valueOf(args, '-machine')).toEqual(['pc']);
    expect(valueOf(args, '-accel')).toEqual(['tcg,tb-size=128']);
    expect(args).toContain('-daemonize');
    expect(valueOf(args, '-qmp')).toEqual(['unix:/i/vm/qmp.sock,server=on,wait=off']);
    expect(valueOf(args, '-chardev')[0]).toContain('path=/i/vm/console.log,append=on');
    const [root] = valueOf(args, '-blockdev').map((b) => JSON.parse(b) as { driver: string; file: { filename: string } });
    expect(root).toMatchObject({ driver: 'qcow2', file: { filename: '/i/vm/disk' } });
    expect(valueOf(args, '-device')).toContain('virtio-blk-pci,drive=drive-virtio-disk0,id=virtio-disk0,bootindex=1');
  });

  it('plugs each port\'s tap with its MAC and MTU, under ids a hot-unplug finds', () => {
    const args = qemuArgs(record(), paths, { accel: 'kvm', vncListen: '127.0.0.1' });
    const nic = nicOf(vif);
    expect(valueOf(args, '-netdev')).toEqual([`tap,id=${nic.netdev.id},ifname=tapaaaaaaaa-bb,script=no,downscript=no`]);
    expect(valueOf(args, '-device')).toContain(`virtio-net-pci,netdev=${nic.netdev.id},id=${nic.device.id},mac=fa:16:3e:00:00:01,host_mtu=1450`);
    expect(valueOf(args, '-cpu')).toEqual(['host']);
  });

  it('gives the guest its attached volumes after its own disks, under the ids hot-plug uses, the volume id as serial', () => {
    const volume = { deviceName: '/dev/vdb', path: '/dev/mapper/vol', kind: 'block' as const, volumeId: '0123456789abcdef0123-4567-89ab' };
    const args = qemuArgs(record({ volumes: [volume] }), paths, { accel: 'tcg', vncListen: '127.0.0.1' });
    const nodes = valueOf(args, '-blockdev').map((b) => JSON.parse(b) as Record<string, unknown>);
    expect(nodes[1]).toEqual(volumeDevices(volume).blockdev);
    expect(nodes[1]).toMatchObject({ driver: 'raw', file: { driver: 'host_device', filename: '/dev/mapper/vol' } });
    expect(valueOf(args, '-device')).toContain('virtio-blk-pci,drive=drive-volume-vdb,id=volume-vdb,serial=0123456789abcdef0123');
  });

  it('rescue boots the rescue disk with the instance\'s disk second; ephemeral, swap and the config drive follow', () => {
    const args = qemuArgs(record({ rescued: true, hasEphemeral: true, hasSwap: true, hasConfigDrive: true }), paths, { accel: 'tcg', vncListen: '127.0.0.1', incoming: 'tcp:10.0.0.1:49152' });
    const files = valueOf(args, '-blockdev').map((b) => (JSON.parse(b) as { file: { filename: string } }).file.filename);
    expect(files).toEqual(['/i/vm/disk.rescue', '/i/vm/disk', '/i/vm/disk.eph0', '/i/vm/disk.swap', '/i/vm/disk.config']);
    expect(valueOf(args, '-device')).toContain('ide-cd,bus=ide.1,unit=1,drive=drive-ide0-1-1,id=ide0-1-1');
    expect(valueOf(args, '-incoming')).toEqual(['tcp:10.0.0.1:49152']);
  });
});

describe('smpOf', () => {
  it('uses the flavor\'s topology when it multiplies out to the VCPUs, else one socket per VCPU', () => {
    expect(smpOf(4, { 'hw:cpu_sockets': '2', 'hw:cpu_cores': '2' }, {})).toBe('4,sockets=2,cores=2,threads=1');
    expect(smpOf(4, {}, { hw_cpu_threads: '2' })).toBe('4,sockets=2,cores=1,threads=2');
    expect(smpOf(4, { 'hw:cpu_sockets': '3' }, {})).toBe('4,sockets=4,cores=1,threads=1');
    expect(smpOf(1, { 'hw:cpu_cores': 'x' }, {})).toBe('1,sockets=1,cores=1,threads=1');
  });
});
