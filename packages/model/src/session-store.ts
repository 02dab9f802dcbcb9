import { randomUUID } from "node:crypto";

// Sessions behind ids, as a model service keeps them: a KV cache per session, an idle TTL, a cap on the
// number of sessions and on the memory they hold. Past the budget, new sessions are refused rather than
// letting the process grow.

/** An error a service maps to a gRPC status by its `status` name. */
export class SessionError extends Error {
  constructor(
    readonly status:
      | "NOT_FOUND"
      | "RESOURCE_EXHAUSTED"
      | "FAILED_PRECONDITION"
      | "ALREADY_EXISTS"
      | "INVALID_ARGUMENT",
    message: string,
  ) {
    super(message);
    this.name = "SessionError";
  }
}

export interface SessionStoreOptions {
  maxSessions: number;
  memoryBudgetBytes: number;
  idleTtlMs: number;
  now?: () => number;
}

interface Entry<T> {
  value: T;
  bytes: number;
  lastUsed: number;
  busy: boolean;
  /** Released while a call was using it: dropped when that call ends. */
  releasing: boolean;
}

export class SessionStore<T> {
  private readonly entries = new Map<string, Entry<T>>();
  private bytes = 0;
  private readonly now: () => number;

  constructor(readonly options: SessionStoreOptions) {
    this.now = options.now ?? Date.now;
  }

  get size(): number {
    return this.entries.size;
  }

  get bytesUsed(): number {
    return this.bytes;
  }

  /** Checks there is room for a session of `bytes` (after dropping expired ones) without creating it. */
  reserve(bytes: number): void {
    this.sweep();
    if (this.entries.size >= this.options.maxSessions) {
      throw new SessionError(
        "RESOURCE_EXHAUSTED",
        `session limit reached (${this.options.maxSessions} sessions)`,
      );
    }
    if (this.bytes + bytes > this.options.memoryBudgetBytes) {
      throw new SessionError(
        "RESOURCE_EXHAUSTED",
        `session memory budget exhausted: ${this.bytes} + ${bytes} bytes exceeds ${this.options.memoryBudgetBytes}`,
      );
    }
  }

  /** Adds a session under `id` (a fresh UUID when not given) and returns the id. */
  add(value: T, bytes: number, id: string = randomUUID()): string {
    if (id.length > 128) throw new SessionError("INVALID_ARGUMENT", "session ids are at most 128 characters");
    if (this.entries.has(id)) throw new SessionError("ALREADY_EXISTS", `session "${id}" already exists`);
    this.reserve(bytes);
    this.entries.set(id, { value, bytes, lastUsed: this.now(), busy: false, releasing: false });
    this.bytes += bytes;
    return id;
  }

  private entry(id: string): Entry<T> {
    const entry = this.entries.get(id);
    if (!entry)
      throw new SessionError("NOT_FOUND", `unknown session "${id}" (expired, released or never created)`);
    return entry;
  }

  /**
   * Runs `use` with exclusive access to the session: two calls on one session at once would interleave
   * cache updates, so the second is refused.
   */
  async withSession<R>(id: string, use: (value: T) => Promise<R>): Promise<R> {
    const entry = this.entry(id);
    if (entry.busy)
      throw new SessionError("FAILED_PRECONDITION", `session "${id}" is busy with another call`);
    entry.busy = true;
    try {
      return await use(entry.value);
    } finally {
      entry.busy = false;
      entry.lastUsed = this.now();
      if (entry.releasing) this.drop(id, entry);
    }
  }

  /**
   * Adds a session and runs its set-up (the prefill) under the session's lock, so a Release arriving
   * meanwhile still finds it. The session is dropped again if set-up fails, or if `signal` (the caller's
   * call) aborted meanwhile: a caller that gave up will never use it.
   */
  async open<R>(
    value: T,
    bytes: number,
    id: string | undefined,
    setUp: (value: T) => Promise<R>,
    signal?: AbortSignal,
  ): Promise<{ sessionId: string; result: R }> {
    const sessionId = this.add(value, bytes, id || undefined);
    try {
      const result = await this.withSession(sessionId, setUp);
      signal?.throwIfAborted();
      return { sessionId, result };
    } catch (error) {
      if (this.entries.has(sessionId)) this.release(sessionId);
      throw error;
    }
  }

  /** Forgets a session; one in use by a call is dropped when that call ends. */
  release(id: string): T {
    const entry = this.entry(id);
    if (entry.busy) entry.releasing = true;
    else this.drop(id, entry);
    return entry.value;
  }

  private drop(id: string, entry: Entry<T>): void {
    this.entries.delete(id);
    this.bytes -= entry.bytes;
  }

  /** Drops sessions idle for longer than the TTL (never one in use); returns how many. */
  sweep(): number {
    const cutoff = this.now() - this.options.idleTtlMs;
    let dropped = 0;
    for (const [id, entry] of this.entries) {
      if (!entry.busy && entry.lastUsed < cutoff) {
        this.drop(id, entry);
        dropped++;
      }
    }
    return dropped;
  }

  values(): T[] {
    return [...this.entries.values()].map((e) => e.value);
  }
}
