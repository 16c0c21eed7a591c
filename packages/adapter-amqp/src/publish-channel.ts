import {
  AddressError,
  BrokerError,
  NotConnectedError,
  type PolybusError,
  PublishError,
  toPolybusError,
} from '@polybus/core';
import type { ChannelModel, ConfirmChannel } from 'amqplib';
import type { AmqpTarget } from './amqp-address.js';
import { describe } from './amqp-connection.js';

/** One confirm channel and what the adapter learned on it. */
export interface PublishChannel {
  readonly channel: ConfirmChannel;
  readonly connection: ChannelModel;
  /** Message ids the broker returned as unroutable (`basic.return` precedes the confirm). */
  readonly returned: Map<string, number>;
  /** Exchanges declared (or checked) on this channel's connection. */
  readonly declared: Set<string>;
  /** The error that closed the channel, if any. */
  closeError: (Error & { code?: number }) | undefined;
  open: boolean;
}

/** Resolves on the channel's next 'drain' (its write buffer emptied) or its close. Never rejects. */
export function waitForDrain(pc: PublishChannel): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = (): void => {
      pc.channel.off('drain', done);
      pc.channel.off('close', done);
      resolve();
    };
    pc.channel.on('drain', done);
    pc.channel.on('close', done);
  });
}

/** A short description of a target for error messages. */
export function describeTarget(target: AmqpTarget): string {
  switch (target.kind) {
    case 'topic':
      return `topic exchange "${target.exchange}"`;
    case 'queue':
      return `queue "${target.queue}"`;
    case 'exchange':
      return `exchange "${target.exchange}"`;
  }
}

/**
 * The PolybusError for a publish to `target` that failed on `pc` with `error` (a confirm callback's
 * error, a thrown one, or none when the channel is found closed): AddressError for a missing exchange
 * of this target (404), BrokerError for a refused one (406), PublishError for a broker nack,
 * NotConnectedError when the channel or connection is gone. Pure.
 */
export function channelError(pc: PublishChannel, error: unknown, target: AmqpTarget): PolybusError {
  const closeError = pc.closeError;
  // A channel error names its exchange; one caused by another publish's target is not ours.
  const mine =
    closeError !== undefined &&
    target.kind !== 'queue' &&
    closeError.message.includes(`'${target.exchange}'`);
  if (mine && closeError?.code === 404) {
    return new AddressError(`amqp: ${describeTarget(target)} does not exist (${describe(closeError)})`, {
      cause: closeError,
    });
  }
  if (mine && closeError?.code === 406) {
    return new BrokerError(`amqp: broker refused ${describeTarget(target)}: ${describe(closeError)}`, {
      cause: closeError,
      retriable: false,
    });
  }
  if (error instanceof Error && error.message === 'message nacked') {
    return new PublishError(`amqp: broker nacked a message published to ${describeTarget(target)}`, {
      cause: error,
    });
  }
  if (!pc.open || (error instanceof Error && /closed|closing|ended/i.test(error.message))) {
    return new NotConnectedError(
      `amqp: channel closed before the broker confirmed (${describe(closeError ?? error ?? 'connection lost')}); publish again`,
      { cause: closeError ?? error },
    );
  }
  return toPolybusError(error, 'amqp publish');
}
