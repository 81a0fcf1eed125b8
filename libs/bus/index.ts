export {
  Bus,
  type BusOptions,
  type OutgoingMessage,
  type IncomingMessage,
  type PartitionBatch,
  type BatchContext,
  type ConsumerOptions,
  type BusConsumer,
} from './bus.js';
export {
  TOPIC_NAMES,
  DEFAULT_TOPIC_PREFIX,
  MAX_MESSAGE_BYTES,
  topicNames,
  topicSpecs,
  type TopicSpec,
  type TopicNames,
} from './topics.js';
