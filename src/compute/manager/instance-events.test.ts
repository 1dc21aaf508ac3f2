import { describe, expect, it } from 'vitest';
import { InstanceEvents, waitForEvents } from './instance-events.js';

const plugged = (uuid: string, tag: string, status = 'completed') => ({ uuid, name: 'network-vif-plugged', tag, status });

describe('compute agent: external instance events', () => {
  it('drops an event nobody prepared for, as Nova does', async () => {
    const events = new InstanceEvents();
    expect(events.deliver(plugged('i1', 'p1'))).toBe(false);
    const waiting = events.prepare('i1', 'network-vif-plugged', 'p1');
    expect(await waitForEvents([{ label: 'p1', status: waiting }], 20)).toEqual(['p1 (timeout)']);
  });

  it('keeps events of an opened instance for a prepare that comes after them, until cleared', async () => {
    const events = new InstanceEvents();
    events.open('i1');
    expect(events.deliver(plugged('i1', 'p1'))).toBe(true); // the port was plugged before the build prepared
    expect(events.deliver(plugged('i2', 'p9'))).toBe(false); // another instance is not open
    expect(await events.prepare('i1', 'network-vif-plugged', 'p1')).toBe('completed');
    const second = events.prepare('i1', 'network-vif-plugged', 'p2');
    events.deliver(plugged('i1', 'p2', 'failed'));
    expect(await waitForEvents([{ label: 'p2', status: second }], 1000)).toEqual(['p2 (failed)']);
    events.deliver(plugged('i1', 'p3'));
    events.clear('i1');
    expect(events.deliver(plugged('i1', 'p3'))).toBe(false);
    const late = events.prepare('i1', 'network-vif-plugged', 'p3'); // kept events went with the clear
    expect(await waitForEvents([{ label: 'p3', status: late }], 20)).toEqual(['p3 (timeout)']);
  });

  it('ends every wait when the agent stops', async () => {
    const events = new InstanceEvents();
    const waiting = [events.prepare('i1', 'network-vif-plugged', 'p1'), events.prepare('i2', 'network-vif-plugged', 'p2')];
    events.abandonAll('agent stopping');
    expect(await Promise.all(waiting)).toEqual(['agent stopping', 'agent stopping']);
  });
});
