/**
 * Follows attestry.rejected so that a request waiting for inclusion learns at once when the
 * sequencer refused its submission (with the sequencer's reason), instead of timing out. Every
 * gateway process reads every rejection (its own consumer group) from the end of the topic.
 */
import { AttestryError, ERROR_CODES, type ErrorCode } from '../../libs/core/index.js';
import type { Bus, BusConsumer, TopicNames } from '../../libs/bus/index.js';
import { RejectedEvent } from '../../libs/events/index.js';
import type { Logger } from '../../libs/observe/index.js';
import type { InclusionWaiter } from './inclusion-waiter.js';

export async function followRejections(opts: {
  bus: Bus;
  topics: TopicNames;
  groupId: string;
  waiter: InclusionWaiter;
  logger: Logger;
}): Promise<BusConsumer> {
  const { bus, topics, waiter } = opts;
  // Only rejections from now on matter to requests waiting now: start at the end as it is now.
  // (Fixed here, not at the first batch: by then a rejection may already sit past that end.)
  const start = await bus.withAdmin(
    async (admin) =>
      new Map((await admin.fetchTopicOffsets(topics.rejected)).map((o) => [o.partition, Number(o.high)])),
  );
  return bus.consume({
    groupId: opts.groupId,
    topics: [topics.rejected],
    loadOffsets: async (_topic, partitions) => new Map(partitions.map((p) => [p, start.get(p) ?? 0])),
    handleBatch: async (batch) => {
      for (const m of batch.messages) {
        const key = m.key?.toString('utf8');
        if (!key || !/^[0-9a-f]{64}$/.test(key)) continue;
        let json: unknown;
        try {
          json = JSON.parse(m.value?.toString('utf8') ?? 'null');
        } catch {
          continue;
        }
        const parsed = RejectedEvent.safeParse(json);
        if (!parsed.success) continue;
        const code = (ERROR_CODES as readonly string[]).includes(parsed.data.reason)
          ? (parsed.data.reason as ErrorCode)
          : 'INTERNAL';
        waiter.fail(
          key,
          new AttestryError(code, `the sequencer rejected the submission: ${parsed.data.message}`),
        );
      }
    },
  });
}
