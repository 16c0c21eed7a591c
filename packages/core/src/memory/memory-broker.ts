import { KeyedQueue, type QueueEntry } from '../adapter-kit/keyed-queue.js';
import type { Message } from '../message.js';

/** One stored message of a group, with the number of times it has been delivered so far. */
export interface StoredMessage {
  readonly message: Message;
  deliveries: number;
}

/** A member of a group: the memory transport's subscription side. */
export interface GroupMember {
  /** Free delivery slots of this member right now. */
  freeSlots(): number;
  /** Hands an entry to the member; it calls `ack` or `requeue` on the group later. */
  deliver(entry: QueueEntry<StoredMessage>): void;
}

/** Why {@link MemoryGroup.waitForSpace} gave up. */
export type SpaceWaitResult = 'space' | 'timeout';

/**
 * One consumer group of a memory topic: a keyed queue, its members, round-robin dispatch to members
 * with free slots, delayed requeue and a bounded queue length with waiting publishers.
 */
export class MemoryGroup {
  readonly queue = new KeyedQueue<StoredMessage>();
  readonly #members: GroupMember[] = [];
  readonly #maxQueued: number;
  #spaceWaiters: Array<() => void> = [];
  #next = 0;
  #timers = new Set<NodeJS.Timeout>();

  constructor(
    readonly name: string,
    readonly ephemeral: boolean,
    maxQueued: number,
  ) {
    this.#maxQueued = maxQueued;
  }

  get memberCount(): number {
    return this.#members.length;
  }

  get full(): boolean {
    return this.queue.size >= this.#maxQueued;
  }

  addMember(member: GroupMember): void {
    this.#members.push(member);
    this.dispatch();
  }

  removeMember(member: GroupMember): void {
    const i = this.#members.indexOf(member);
    if (i >= 0) this.#members.splice(i, 1);
  }

  enqueue(message: Message): void {
    this.queue.push({ message, deliveries: 0 }, message.key);
    this.dispatch();
  }

  /** Resolves when the queue has room, or with 'timeout' after `timeoutMs`. */
  waitForSpace(timeoutMs: number): Promise<SpaceWaitResult> {
    if (!this.full) return Promise.resolve('space');
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#spaceWaiters = this.#spaceWaiters.filter((w) => w !== onSpace);
        resolve('timeout');
      }, timeoutMs);
      const onSpace = (): void => {
        clearTimeout(timer);
        resolve('space');
      };
      this.#spaceWaiters.push(onSpace);
    });
  }

  /** Acked: done for good. */
  ack(entry: QueueEntry<StoredMessage>): void {
    this.queue.release(entry);
    this.dispatch();
  }

  /** Back to the queue (after `delayMs`, keeping its key blocked meanwhile so order holds). */
  requeue(entry: QueueEntry<StoredMessage>, delayMs = 0): void {
    if (delayMs <= 0) {
      this.queue.requeue(entry);
      this.dispatch();
      return;
    }
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      this.queue.requeue(entry);
      this.dispatch();
    }, delayMs);
    timer.unref();
    this.#timers.add(timer);
  }

  /** Hands waiting entries to members with free slots, round-robin. */
  dispatch(): void {
    const members = this.#members;
    while (members.length > 0 && this.queue.size > 0) {
      let member: GroupMember | undefined;
      for (let tried = 0; tried < members.length; tried++) {
        const candidate = members[this.#next % members.length] as GroupMember;
        this.#next = (this.#next + 1) % members.length;
        if (candidate.freeSlots() > 0) {
          member = candidate;
          break;
        }
      }
      if (!member) break;
      const entry = this.queue.take();
      if (!entry) break;
      entry.value.deliveries++;
      member.deliver(entry);
    }
    while (!this.full && this.#spaceWaiters.length > 0) this.#spaceWaiters.shift()?.();
  }

  dispose(): void {
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
  }
}

/**
 * An in-process broker: topics, each with its consumer groups. Groups outlive their members (like a
 * durable queue) for as long as the broker lives; ephemeral groups (subscriptions without a group)
 * are removed when their last member leaves. Messages published to a topic with no group are
 * dropped, as a broker drops what is published to an exchange with no queue bound.
 */
export class MemoryBroker {
  static readonly #named = new Map<string, MemoryBroker>();

  /** The broker shared by every `memory://<name>` transport of this process. */
  static named(name: string, maxQueuedPerGroup: number): MemoryBroker {
    let broker = MemoryBroker.#named.get(name);
    if (!broker) {
      broker = new MemoryBroker(maxQueuedPerGroup);
      MemoryBroker.#named.set(name, broker);
    }
    return broker;
  }

  readonly #topics = new Map<string, Map<string, MemoryGroup>>();

  constructor(readonly maxQueuedPerGroup: number) {}

  /** The groups of a topic (empty when none). */
  groupsOf(topic: string): MemoryGroup[] {
    return [...(this.#topics.get(topic)?.values() ?? [])];
  }

  /** Finds or creates a group. */
  group(topic: string, name: string, ephemeral: boolean): MemoryGroup {
    let groups = this.#topics.get(topic);
    if (!groups) {
      groups = new Map();
      this.#topics.set(topic, groups);
    }
    let group = groups.get(name);
    if (!group) {
      group = new MemoryGroup(name, ephemeral, this.maxQueuedPerGroup);
      groups.set(name, group);
    }
    return group;
  }

  /** Removes an ephemeral group once it has no members. */
  releaseGroup(topic: string, group: MemoryGroup): void {
    if (!group.ephemeral || group.memberCount > 0) return;
    group.dispose();
    this.#topics.get(topic)?.delete(group.name);
  }
}
