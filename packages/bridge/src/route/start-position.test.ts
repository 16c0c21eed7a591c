import { describe, expect, it } from 'vitest';
import { replayWarning, startPosition } from './start-position.js';

describe('startPosition', () => {
  it('defaults a new group to the earliest message where the broker can replay', () => {
    expect(startPosition(undefined, 'g', { replay: true })).toBe('earliest');
  });
  it('keeps what the config says', () => {
    expect(startPosition('latest', 'g', { replay: true })).toBe('latest');
    expect(startPosition('earliest', 'g', { replay: true })).toBe('earliest');
  });
  it('passes nothing where the broker cannot replay or without a group', () => {
    expect(startPosition(undefined, 'g', { replay: false })).toBeUndefined();
    expect(startPosition(undefined, undefined, { replay: true })).toBeUndefined();
  });
});

describe('replayWarning', () => {
  it('says what a RabbitMQ queue keeps', () => {
    expect(replayWarning('r', 'amqp', undefined, 'g', { replay: false })).toMatch(
      /^route r: .*RabbitMQ queue keeps what was published to it since it was declared/,
    );
  });
  it('is silent where the broker replays or startFrom is written', () => {
    expect(replayWarning('r', 'kafka', undefined, 'g', { replay: true })).toBeUndefined();
    expect(replayWarning('r', 'amqp', 'latest', 'g', { replay: false })).toBeUndefined();
  });
  it('is silent for in-process schemes and sources without a group', () => {
    expect(replayWarning('r', 'memory', undefined, 'g', { replay: false })).toBeUndefined();
    expect(replayWarning('r', 'amqp', undefined, undefined, { replay: false })).toBeUndefined();
  });
});
