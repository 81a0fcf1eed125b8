/**
 * Attestry's topics (DESIGN.md). Partition counts are explicit; `max.message.bytes` is 12 MiB on
 * the topics that carry submissions or attestations: a submission on Kafka is JSON with base64
 * inside, bigger than the 8 MiB HTTP body it came from (x1.5 margin).
 */
export const MAX_MESSAGE_BYTES = 12 * 1024 * 1024;

export interface TopicSpec {
  name: string;
  partitions: number;
  config: Record<string, string>;
}

export const TOPIC_NAMES = {
  submissions: 'attestry.submissions',
  entries: 'attestry.entries',
  checkpoints: 'attestry.checkpoints',
  rejected: 'attestry.rejected',
  alerts: 'attestry.alerts',
} as const;

const big = { 'max.message.bytes': String(MAX_MESSAGE_BYTES) };

export function topicSpecs(partitions: { submissions?: number; entries?: number } = {}): TopicSpec[] {
  return [
    { name: TOPIC_NAMES.submissions, partitions: partitions.submissions ?? 6, config: { ...big } },
    { name: TOPIC_NAMES.entries, partitions: partitions.entries ?? 6, config: { ...big } },
    // One partition: checkpoints are totally ordered, and the monitor reads them in order.
    { name: TOPIC_NAMES.checkpoints, partitions: 1, config: { 'cleanup.policy': 'delete' } },
    { name: TOPIC_NAMES.rejected, partitions: 3, config: { ...big } },
    { name: TOPIC_NAMES.alerts, partitions: 1, config: {} },
  ];
}
