import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Endpoint, MessageContext, Subscription } from './bus.js';
import {
  BusClosedError,
  BusSerializationError,
  BusTimeoutError,
  NoSuchMethodError,
  RemoteError,
} from './errors.js';
import { InProcessBus } from './in-process.js';
import type { JsonObject } from './json.js';

interface Received {
  args: JsonObject;
  ctx: MessageContext;
}

/** An endpoint that records what it handles and lets a test await the n-th message. */
function recorder(name = 'r') {
  const received: Received[] = [];
  const waiters: { count: number; resolve: () => void }[] = [];
  const endpoint: Endpoint = {
    async record(args, ctx) {
      received.push({ args, ctx });
      for (const w of waiters.filter((w) => received.length >= w.count)) w.resolve();
      return name;
    },
  };
  const waitFor = (count: number): Promise<void> =>
    received.length >= count ? Promise.resolve() : new Promise((resolve) => waiters.push({ count, resolve }));
  return { endpoint, received, waitFor };
}

/** Lets every queued setImmediate delivery run. */
const settle = async (): Promise<void> => {
  for (let i = 0; i < 5; i++) await new Promise<void>((resolve) => setImmediate(resolve));
};

let bus: InProcessBus;
const open = (options?: ConstructorParameters<typeof InProcessBus>[0]): InProcessBus => (bus = new InProcessBus(options));

afterEach(async () => {
  vi.useRealTimers();
  await bus?.close();
});

describe('cast', () => {
  it('cast: delivers args and context; resolves before the handler runs', async () => {
    open();
    const r = recorder();
    await bus.serve({ topic: 'conductor', server: 'ctl1' }, r.endpoint);
    await bus.cast({ topic: 'conductor' }, 'record', { instance: 'i-1' }, { context: { request_id: 'req-1' } });
    expect(r.received).toHaveLength(0); // never inside the caller's stack
    await r.waitFor(1);
    expect(r.received[0]?.args).toEqual({ instance: 'i-1' });
    expect(r.received[0]?.ctx).toEqual({
      kind: 'cast',
      messageId: expect.any(String),
      method: 'record',
      target: { topic: 'conductor' },
      server: 'ctl1',
      context: { request_id: 'req-1' },
    });
  });

  it('cast: to a topic with several servers round-robins between them', async () => {
    open();
    const order: string[] = [];
    for (const host of ['a', 'b', 'c']) {
      await bus.serve({ topic: 'scheduler', server: host }, { record: async () => void order.push(host) });
    }
    for (let i = 0; i < 6; i++) await bus.cast({ topic: 'scheduler' }, 'record', {});
    await settle();
    expect(order).toEqual(['a', 'b', 'c', 'a', 'b', 'c']);
  });

  it('cast: to topic + server reaches that server only', async () => {
    open();
    const h1 = recorder('host1');
    const h2 = recorder('host2');
    await bus.serve({ topic: 'compute', server: 'host1' }, h1.endpoint);
    await bus.serve({ topic: 'compute', server: 'host2' }, h2.endpoint);
    for (let i = 0; i < 3; i++) await bus.cast({ topic: 'compute', server: 'host2' }, 'record', { i });
    await h2.waitFor(3);
    await settle();
    expect(h1.received).toHaveLength(0);
    expect(h2.received.map((m) => m.args['i'])).toEqual([0, 1, 2]);
    expect(h2.received[0]?.ctx.target).toEqual({ topic: 'compute', server: 'host2' });
  });

  it('cast: dotted names do not collide (topic "a.b" + "c" vs topic "a" + "b.c")', async () => {
    open();
    const one = recorder();
    const two = recorder();
    await bus.serve({ topic: 'a.b', server: 'c' }, one.endpoint);
    await bus.serve({ topic: 'a', server: 'b.c' }, two.endpoint);
    await bus.cast({ topic: 'a', server: 'b.c' }, 'record', {});
    await two.waitFor(1);
    await settle();
    expect(one.received).toHaveLength(0);
  });

  it('cast: a handler failure or unknown method goes to onHandlerError, not the sender', async () => {
    const errors: unknown[] = [];
    open({ onHandlerError: (error) => errors.push(error) });
    await bus.serve({ topic: 't' }, { boom: async () => Promise.reject(new Error('boom')) });
    await bus.cast({ topic: 't' }, 'boom', {});
    await bus.cast({ topic: 't' }, 'nope', {});
    await settle();
    expect(errors).toHaveLength(2);
    expect(errors).toContainEqual(new Error('boom'));
    expect(errors.find((e) => e instanceof NoSuchMethodError)).toMatchObject({
      remoteMessage: 'endpoint for t has no method "nope"',
    });
  });

  it('cast: to a queue nobody ever served is dropped', async () => {
    open();
    await bus.cast({ topic: 'nobody' }, 'record', {});
    const r = recorder();
    await bus.serve({ topic: 'nobody' }, r.endpoint);
    await settle();
    expect(r.received).toHaveLength(0);
  });

  it('cast: a declared queue buffers while its servers are away, like a durable queue', async () => {
    open();
    const first = await bus.serve({ topic: 'conductor' }, recorder().endpoint);
    await first.close();
    await bus.cast({ topic: 'conductor' }, 'record', { n: 1 });
    const r = recorder();
    await bus.serve({ topic: 'conductor' }, r.endpoint);
    await r.waitFor(1);
    expect(r.received[0]?.args).toEqual({ n: 1 });
  });
});

describe('fanout', () => {
  it('fanout: reaches every server on the topic and no other topic', async () => {
    open();
    const hosts = [recorder('h1'), recorder('h2'), recorder('anon')];
    await bus.serve({ topic: 'compute', server: 'h1' }, hosts[0]!.endpoint);
    await bus.serve({ topic: 'compute', server: 'h2' }, hosts[1]!.endpoint);
    await bus.serve({ topic: 'compute' }, hosts[2]!.endpoint);
    const other = recorder();
    await bus.serve({ topic: 'network', server: 'h1' }, other.endpoint);

    await bus.fanout('compute', 'record', { refresh: true });
    await Promise.all(hosts.map((h) => h.waitFor(1)));
    await settle();
    expect(hosts.map((h) => h.received.map((m) => [m.ctx.kind, m.args]))).toEqual([
      [['fanout', { refresh: true }]],
      [['fanout', { refresh: true }]],
      [['fanout', { refresh: true }]],
    ]);
    expect(other.received).toHaveLength(0);
  });

  it('fanout: with no listeners resolves and goes nowhere', async () => {
    open();
    await expect(bus.fanout('empty', 'record', {})).resolves.toBeUndefined();
  });
});

describe('call', () => {
  it('call: resolves with the decoded result of one server', async () => {
    open();
    await bus.serve({ topic: 'scheduler', server: 's1' }, {
      select_destinations: async (args, ctx) => ({ hosts: ['h1'], asked: args['count'], kind: ctx.kind }),
    });
    const result = await bus.call<{ hosts: string[] }>({ topic: 'scheduler' }, 'select_destinations', { count: 1 });
    expect(result).toEqual({ hosts: ['h1'], asked: 1, kind: 'call' });
  });

  it('call: round-robins too, and a server target picks the server', async () => {
    open();
    await bus.serve({ topic: 'compute', server: 'h1' }, recorder('h1').endpoint);
    await bus.serve({ topic: 'compute', server: 'h2' }, recorder('h2').endpoint);
    const anyOf = [];
    for (let i = 0; i < 4; i++) anyOf.push(await bus.call<string>({ topic: 'compute' }, 'record', {}));
    expect(anyOf).toEqual(['h1', 'h2', 'h1', 'h2']);
    expect(await bus.call<string>({ topic: 'compute', server: 'h2' }, 'record', {})).toBe('h2');
    expect(await bus.call<string>({ topic: 'compute', server: 'h2' }, 'record', {})).toBe('h2');
  });

  it('call: a void handler resolves with undefined', async () => {
    open();
    await bus.serve({ topic: 't' }, { noop: async () => undefined });
    await expect(bus.call({ topic: 't' }, 'noop', {})).resolves.toBeUndefined();
  });

  it('call: with no listener waits for the timeout, then BusTimeoutError', async () => {
    open();
    const started = Date.now();
    const err = await bus.call({ topic: 'nobody' }, 'ping', {}, { timeoutMs: 30 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BusTimeoutError);
    expect(err).toMatchObject({ message: 'timed out after 30 ms waiting for a reply to ping on nobody', timeoutMs: 30 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(25);
  });

  it('call: a reply after the timeout is dropped quietly', async () => {
    open();
    let finish = (): void => undefined;
    const handled = new Promise<void>((resolve) => (finish = resolve));
    await bus.serve({ topic: 'slow' }, {
      work: async () => {
        await new Promise((resolve) => setTimeout(resolve, 40));
        finish();
        return 'late';
      },
    });
    await expect(bus.call({ topic: 'slow' }, 'work', {}, { timeoutMs: 10 })).rejects.toBeInstanceOf(BusTimeoutError);
    await handled;
    await settle();
  });

  it('call: the default timeout comes from the bus', async () => {
    vi.useFakeTimers();
    open({ defaultTimeoutMs: 5_000 });
    const pending = bus.call({ topic: 'nobody' }, 'ping', {}).catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(4_999);
    await vi.advanceTimersByTimeAsync(1);
    expect(await pending).toBeInstanceOf(BusTimeoutError);
    expect(() => new InProcessBus({ defaultTimeoutMs: 0 })).toThrow(RangeError);
  });

  it('call: a remote exception comes back as RemoteError with its name, message and code', async () => {
    class InstanceNotFound extends Error {
      override readonly name = 'InstanceNotFound';
      readonly code = 'instance_not_found';
      readonly secretDetail = 'stays on the server';
    }
    open();
    await bus.serve({ topic: 'conductor' }, {
      get: async (args) => {
        throw new InstanceNotFound(`Instance ${String(args['id'])} could not be found.`);
      },
      raw: async () => Promise.reject('a string'),
    });
    const err = await bus.call({ topic: 'conductor' }, 'get', { id: 'i-9' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RemoteError);
    expect(err).not.toBeInstanceOf(InstanceNotFound);
    expect(err).toMatchObject({
      name: 'RemoteError',
      remoteName: 'InstanceNotFound',
      remoteMessage: 'Instance i-9 could not be found.',
      remoteCode: 'instance_not_found',
      message: 'remote InstanceNotFound: Instance i-9 could not be found.',
    });
    expect(JSON.stringify(err)).not.toContain('stays on the server');

    await expect(bus.call({ topic: 'conductor' }, 'raw', {})).rejects.toMatchObject({
      remoteName: 'Error',
      remoteMessage: 'a string',
      remoteCode: undefined,
    });
  });

  it('call: an unknown method is NoSuchMethodError, including Object.prototype names', async () => {
    open();
    await bus.serve({ topic: 'conductor' }, { known: async () => 1 });
    for (const method of ['missing', 'constructor', 'toString', '__proto__', 'hasOwnProperty']) {
      const err = await bus.call({ topic: 'conductor' }, method, {}).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(NoSuchMethodError);
      expect(err).toBeInstanceOf(RemoteError);
      expect((err as NoSuchMethodError).remoteMessage).toBe(`endpoint for conductor has no method ${JSON.stringify(method)}`);
    }
  });

  it('call: nested calls from a handler work (conductor asks scheduler)', async () => {
    open();
    await bus.serve({ topic: 'scheduler' }, { pick: async () => 'h7' });
    await bus.serve({ topic: 'conductor' }, {
      build: async () => ({ host: await bus.call<string>({ topic: 'scheduler' }, 'pick', {}) }),
    });
    expect(await bus.call({ topic: 'conductor' }, 'build', {})).toEqual({ host: 'h7' });
  });
});

describe('serialisation', () => {
  it('serialisation: args arrive as JSON data (Date -> ISO string) and are copies', async () => {
    open();
    const r = recorder();
    await bus.serve({ topic: 't' }, r.endpoint);
    const args = { when: new Date('2026-03-04T05:06:07.000Z'), tags: ['a'], skip: undefined };
    await bus.cast({ topic: 't' }, 'record', args);
    args.tags.push('changed after send');
    await r.waitFor(1);
    expect(r.received[0]?.args).toEqual({ when: '2026-03-04T05:06:07.000Z', tags: ['a'] });
  });

  it('serialisation: functions and other non-JSON values are refused at the sender', async () => {
    open();
    const r = recorder();
    await bus.serve({ topic: 't' }, r.endpoint);
    await expect(bus.cast({ topic: 't' }, 'record', { callback: () => 1 })).rejects.toThrow(
      new BusSerializationError('args.callback is a function and cannot be sent'),
    );
    await expect(bus.call({ topic: 't' }, 'record', { m: new Map() })).rejects.toBeInstanceOf(BusSerializationError);
    await expect(bus.fanout('t', 'record', {}, { context: { n: Number.POSITIVE_INFINITY } })).rejects.toThrow(
      'context.n is Infinity, which JSON cannot carry',
    );
    await settle();
    expect(r.received).toHaveLength(0);
  });

  it('serialisation: results are JSON too; an unsendable result is a RemoteError', async () => {
    open();
    await bus.serve({ topic: 't' }, {
      when: async () => ({ at: new Date('2026-01-01T00:00:00.000Z') }),
      bad: async () => ({ fn: () => 1 }),
    });
    expect(await bus.call({ topic: 't' }, 'when', {})).toEqual({ at: '2026-01-01T00:00:00.000Z' });
    await expect(bus.call({ topic: 't' }, 'bad', {})).rejects.toMatchObject({
      remoteName: 'BusSerializationError',
      remoteMessage: 'result.fn is a function and cannot be sent',
    });
  });
});

describe('close', () => {
  it('close: a subscription stops receiving and waits for its in-flight handler', async () => {
    open();
    const events: string[] = [];
    let release = (): void => undefined;
    const sub: Subscription = await bus.serve({ topic: 't' }, {
      slow: async () => {
        events.push('start');
        await new Promise<void>((resolve) => (release = resolve));
        events.push('end');
      },
    });
    await bus.cast({ topic: 't' }, 'slow', {});
    await settle();
    const closed = sub.close().then(() => events.push('closed'));
    await settle();
    expect(events).toEqual(['start']);
    release();
    await closed;
    expect(events).toEqual(['start', 'end', 'closed']);
    expect(sub.close()).toBe(sub.close()); // idempotent
  });

  it('close: fails pending calls, rejects new work and leaves no timers behind', async () => {
    vi.useFakeTimers();
    open();
    await bus.serve({ topic: 'quiet' }, { hang: () => new Promise(() => undefined) });
    const noListener = bus.call({ topic: 'nobody' }, 'ping', {}, { timeoutMs: 60_000 }).catch((e: unknown) => e);
    const hanging = bus.call({ topic: 'quiet' }, 'hang', {}, { timeoutMs: 60_000 }).catch((e: unknown) => e);
    await bus.cast({ topic: 'quiet' }, 'hang', {}); // queued: its delivery is a pending setImmediate
    expect(vi.getTimerCount()).toBeGreaterThan(0);

    const closing = bus.close();
    expect(await noListener).toBeInstanceOf(BusClosedError);
    expect(await hanging).toBeInstanceOf(BusClosedError);
    expect(vi.getTimerCount()).toBe(0);
    expect(bus.close()).toBe(closing);

    await expect(bus.cast({ topic: 'quiet' }, 'hang', {})).rejects.toBeInstanceOf(BusClosedError);
    await expect(bus.call({ topic: 'quiet' }, 'hang', {})).rejects.toBeInstanceOf(BusClosedError);
    await expect(bus.fanout('quiet', 'hang', {})).rejects.toBeInstanceOf(BusClosedError);
    await expect(bus.serve({ topic: 'quiet' }, {})).rejects.toBeInstanceOf(BusClosedError);
  });

  it('close: messages buffered for a closed server are not delivered', async () => {
    open();
    const r = recorder();
    const sub = await bus.serve({ topic: 't', server: 's' }, r.endpoint);
    await bus.fanout('t', 'record', {});
    await sub.close(); // before the delivery turn
    await settle();
    expect(r.received).toHaveLength(0);
  });
});

describe('targets', () => {
  it('targets: empty topic or server is refused', async () => {
    open();
    await expect(bus.cast({ topic: '' }, 'm', {})).rejects.toThrow('target.topic must be a non-empty string');
    await expect(bus.serve({ topic: 't', server: '' }, {})).rejects.toThrow('target.server must be a non-empty string');
    await expect(bus.call({ topic: 't' }, 'm', {}, { timeoutMs: -1 })).rejects.toBeInstanceOf(RangeError);
  });
});
