import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Bus, type IncomingMessage } from '../../libs/bus/index.js';
import { isAttestryError } from '../../libs/core/index.js';
import { kafkaBrokers, uniqueName } from '../support/stack.js';

async function waitFor(cond: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('libs/bus against the real Kafka broker', () => {
  const bus = new Bus({ brokers: kafkaBrokers(), clientId: 'test-bus' });
  const topic = uniqueName('test.smoke');

  before(async () => {
    const created = await bus.ensureTopics([
      { name: topic, partitions: 3, config: { 'max.message.bytes': '1048576' } },
    ]);
    assert.deepEqual(created, [topic]);
  });
  after(async () => {
    await bus.withAdmin((a) => a.deleteTopics({ topics: [topic] })).catch(() => undefined);
    await bus.close();
  });

  it('creates a topic once: a second ensureTopics creates nothing', async () => {
    assert.deepEqual(await bus.ensureTopics([{ name: topic, partitions: 3, config: {} }]), []);
    const meta = await bus.withAdmin((a) => a.fetchTopicMetadata({ topics: [topic] }));
    assert.equal(meta.topics[0]?.partitions.length, 3);
  });

  it('produces idempotently, consumes in a group in per-key order, and resumes from the stored offsets', async () => {
    const keys = ['a', 'b', 'c', 'd'];
    const first = Array.from({ length: 200 }, (_, i) => ({ key: keys[i % 4] ?? 'a', value: `m${i}` }));
    await bus.publish(topic, first);

    // Offsets are "committed" where the data goes (here a Map; the services use PostgreSQL).
    const stored = new Map<number, number>();
    const seen: IncomingMessage[] = [];
    const groupId = uniqueName('group');
    const consume = () =>
      bus.consume({
        groupId,
        topics: [topic],
        loadOffsets: async (_t, partitions) =>
          new Map(
            partitions.flatMap((p) => (stored.has(p) ? [[p, stored.get(p) ?? 0] as [number, number]] : [])),
          ),
        handleBatch: async (batch, ctx) => {
          if (!ctx.isActive()) return;
          const expected = stored.get(batch.partition) ?? 0;
          const fresh = batch.messages.filter((m) => m.offset >= expected);
          seen.push(...fresh);
          const last = fresh.at(-1);
          if (last) stored.set(batch.partition, last.offset + 1);
        },
      });

    const c1 = await consume();
    await waitFor(() => seen.length >= 200);
    await c1.stop();
    assert.equal(seen.length, 200, 'each message exactly once');
    for (const k of keys) {
      const values = seen
        .filter((m) => m.key?.toString() === k)
        .map((m) => Number(m.value?.toString().slice(1)));
      assert.deepEqual(
        values,
        [...values].sort((x, y) => x - y),
        `per-key order for ${k}`,
      );
    }

    // A new member of the same group seeks to the stored offsets: it sees only new messages.
    await bus.publish(
      topic,
      Array.from({ length: 10 }, (_, i) => ({ key: 'z', value: `n${i}` })),
    );
    const c2 = await consume();
    await waitFor(() => seen.length >= 210);
    await new Promise((r) => setTimeout(r, 500));
    await c2.stop();
    assert.equal(seen.length, 210);
    assert.deepEqual(
      seen.slice(200).map((m) => m.value?.toString()),
      Array.from({ length: 10 }, (_, i) => `n${i}`),
    );
  });

  it('maps a record over the topic limit to BUS_MESSAGE_TOO_LARGE', async () => {
    await assert.rejects(
      bus.publish(topic, [{ key: 'big', value: Buffer.alloc(2 * 1024 * 1024, 1) }]),
      (e: unknown) => isAttestryError(e, 'BUS_MESSAGE_TOO_LARGE'),
    );
  });
});
