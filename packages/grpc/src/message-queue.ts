// The messages of one stream as an async iterator, fed by event handlers. Cheaper per message than Node's
// Readable async iterator (no read()/'readable' round trips), which matters when every round of the
// speculative loop waits for one message. Unbounded: meant for request/response-paced streams.

export class MessageQueue<T> implements AsyncIterableIterator<T> {
  private readonly items: T[] = [];
  private waiter: { resolve: (r: IteratorResult<T>) => void; reject: (e: unknown) => void } | undefined;
  private ended = false;
  private failed = false;
  private failure: unknown;

  push(item: T): void {
    if (this.ended || this.failed) return;
    const waiter = this.take();
    if (waiter) waiter.resolve({ value: item, done: false });
    else this.items.push(item);
  }

  /** No more items: iteration ends once the queued ones are read. */
  end(): void {
    if (this.ended || this.failed) return;
    this.ended = true;
    this.take()?.resolve({ value: undefined, done: true });
  }

  /** Iteration throws `error` once the queued items are read (first failure wins). */
  fail(error: unknown): void {
    if (this.ended || this.failed) return;
    this.failed = true;
    this.failure = error;
    this.take()?.reject(error);
  }

  next(): Promise<IteratorResult<T>> {
    if (this.items.length > 0) return Promise.resolve({ value: this.items.shift() as T, done: false });
    if (this.failed) return Promise.reject(this.failure);
    if (this.ended) return Promise.resolve({ value: undefined, done: true });
    if (this.waiter) return Promise.reject(new Error("MessageQueue: one next() at a time"));
    return new Promise((resolve, reject) => {
      this.waiter = { resolve, reject };
    });
  }

  /** The consumer stopped early: drop what is queued and end. */
  return(): Promise<IteratorResult<T>> {
    this.items.length = 0;
    this.end();
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  private take() {
    const waiter = this.waiter;
    this.waiter = undefined;
    return waiter;
  }
}
