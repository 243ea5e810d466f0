/** Why a pub/sub call was refused. */
export type PubsubErrorCode = 'INVALID_OPTIONS' | 'INVALID_MESSAGE' | 'CLOSED';

/** The one error class of @collector/pubsub. */
export class PubsubError extends Error {
  override readonly name = 'PubsubError';
  readonly code: PubsubErrorCode;

  constructor(code: PubsubErrorCode, message: string, options?: { cause?: unknown }) {
    super(`[pubsub] ${message}`, options);
    this.code = code;
  }
}
