import type { JourneyRequest, RequestOutcome } from '@sockml/core';

/** An outcome, or ABORTED when the sender was told to give up on everything in flight. */
export type SendOutcome = RequestOutcome | { error: 'ABORTED' };

/** Sends one journey request; callbacks rather than promises, because at 10 k rps each allocation shows. */
export interface RequestSender {
  send(request: JourneyRequest, done: (outcome: SendOutcome) => void): void;
  /** Ends every request in flight with ABORTED. */
  abortAll(): void;
  close(): void;
}
