// The callers a pool keeps waiting, first come first served: a linked list of
// its own, so that queueing, serving the first and dropping one that timed out
// are O(1) and need no built-in collection that user code could patch.
import { ClearTimeout, SetTimeout } from './primordials';

/** A queued caller: how to answer it. */
export interface Waiter<T> {
  resolve(value: T): void;
  reject(error: Error): void;
}

interface Node<T> extends Waiter<T> {
  timer: NodeJS.Timeout | undefined;
  previous: Node<T> | null;
  next: Node<T> | null;
}

/** A FIFO queue of waiters, each with an optional timeout. */
export class WaiterQueue<T> {
  #first: Node<T> | null = null;
  #last: Node<T> | null = null;
  #length = 0;

  /** Callers waiting now. */
  get length(): number {
    return this.#length;
  }

  /**
   * Queues a caller last. After `timeoutMs` (unless Infinity) it is taken off
   * the queue and `onTimeout` answers it.
   */
  push(waiter: Waiter<T>, timeoutMs: number, onTimeout: (waiter: Waiter<T>) => void): void {
    const node: Node<T> = {
      resolve: waiter.resolve,
      reject: waiter.reject,
      timer: undefined,
      previous: this.#last,
      next: null,
    };
    if (timeoutMs !== Infinity) {
      node.timer = SetTimeout(() => {
        this.#unlink(node);
        onTimeout(node);
      }, timeoutMs);
    }
    if (this.#last === null) this.#first = node;
    else this.#last.next = node;
    this.#last = node;
    this.#length++;
  }

  /** The first caller, taken off the queue with its timer stopped; undefined when none waits. */
  shift(): Waiter<T> | undefined {
    const first = this.#first;
    if (first === null) return undefined;
    this.#unlink(first);
    ClearTimeout(first.timer);
    return first;
  }

  #unlink(node: Node<T>): void {
    if (node.previous === null) this.#first = node.next;
    else node.previous.next = node.next;
    if (node.next === null) this.#last = node.previous;
    else node.next.previous = node.previous;
    node.previous = null;
    node.next = null;
    this.#length--;
  }
}
