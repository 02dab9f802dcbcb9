/** Default cap on one message, each direction: full-vocabulary distributions for a batch run to tens of MB. */
export const DEFAULT_MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

/** Caps on one message; a larger one fails the call with RESOURCE_EXHAUSTED. */
export interface MessageLimits {
  /** Largest message accepted (default 64 MiB; grpc-js alone would stop at 4 MiB). */
  maxReceiveMessageBytes?: number;
  /** Largest message sent (default 64 MiB). */
  maxSendMessageBytes?: number;
}

/** The grpc-js channel options for the limits, defaults filled in. */
export function messageLimitOptions(limits: MessageLimits): Record<string, number> {
  return {
    "grpc.max_receive_message_length": limits.maxReceiveMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES,
    "grpc.max_send_message_length": limits.maxSendMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES,
  };
}
