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
export { TOPIC_NAMES, MAX_MESSAGE_BYTES, topicSpecs, type TopicSpec } from './topics.js';
