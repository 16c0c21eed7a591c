/**
 * Runs async tasks one after another, in call order: a task starts once the one before it settled
 * (resolved or rejected). A rejection reaches only its own caller. Never blocks; safe to share.
 */
export class OneAtATime {
  #tail: Promise<unknown> = Promise.resolve();

  /** Runs `task` after every task passed before it settled; settles as `task` does. */
  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.#tail.then(task, task);
    this.#tail = result.then(ignore, ignore);
    return result;
  }
}

function ignore(): void {}
