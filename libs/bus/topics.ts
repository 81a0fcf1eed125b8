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

/** Topic names share a prefix (default `attestry.`), so isolated deployments or tests can share a cluster. */
export const DEFAULT_TOPIC_PREFIX = 'attestry.';

export interface TopicNames {
  submissions: string;
  entries: string;
  checkpoints: string;
  rejected: string;
  alerts: string;
}

export function topicNames(prefix: string = DEFAULT_TOPIC_PREFIX): TopicNames {
  return {
    submissions: `${prefix}submissions`,
    entries: `${prefix}entries`,
    checkpoints: `${prefix}checkpoints`,
    rejected: `${prefix}rejected`,
    alerts: `${prefix}alerts`,
  };
}

/** The default names, as DESIGN.md lists them. */
export const TOPIC_NAMES: TopicNames = topicNames();

const big = { 'max.message.bytes': String(MAX_MESSAGE_BYTES) };

export function topicSpecs(
  prefix: string = DEFAULT_TOPIC_PREFIX,
  partitions: { submissions?: number; entries?: number } = {},
): TopicSpec[] {
  const names = topicNames(prefix);
  return [
    { name: names.submissions, partitions: partitions.submissions ?? 6, config: { ...big } },
    { name: names.entries, partitions: partitions.entries ?? 6, config: { ...big } },
    // One partition: checkpoints are totally ordered, and the monitor reads them in order.
    { name: names.checkpoints, partitions: 1, config: { 'cleanup.policy': 'delete' } },
    { name: names.rejected, partitions: 3, config: { ...big } },
    { name: names.alerts, partitions: 1, config: {} },
  ];
}
