import { HealthCheckResponse_ServingStatus as ServingStatus } from "@distillspec/proto";

export { ServingStatus };

// Called with each new status, or with undefined to wake a watcher so it sees shutdown.
type Listener = (status: ServingStatus | undefined) => void;

/**
 * Serving status per service name ("" is the whole server), as grpc.health.v1 reports it. After
 * `shutdown()` every status is NOT_SERVING for good and watchers are told so, then released.
 */
export class HealthRegistry {
  private readonly statuses = new Map<string, ServingStatus>();
  private readonly listeners = new Map<string, Set<Listener>>();
  private shuttingDown = false;

  /** Sets a service's status ("" for the server as a whole). Ignored once shutdown has begun. */
  set(service: string, status: ServingStatus): void {
    if (this.shuttingDown) return;
    this.update(service, status);
  }

  /** The status of a known service, or undefined for a service never registered. */
  get(service: string): ServingStatus | undefined {
    return this.statuses.get(service);
  }

  get isShuttingDown(): boolean {
    return this.shuttingDown;
  }

  /** Marks everything NOT_SERVING and freezes the statuses (graceful shutdown has begun). */
  shutdown(): void {
    if (this.shuttingDown) return;
    for (const service of this.statuses.keys()) this.update(service, ServingStatus.NOT_SERVING);
    this.shuttingDown = true;
    for (const set of this.listeners.values()) {
      for (const listener of set) listener(undefined);
    }
  }

  /**
   * The current status (SERVICE_UNKNOWN for an unknown service), then each change, until `signal`
   * aborts or shutdown begins (so watch calls do not hold up draining).
   */
  async *watch(service: string, signal: AbortSignal): AsyncGenerator<ServingStatus> {
    const pending: ServingStatus[] = [this.get(service) ?? ServingStatus.SERVICE_UNKNOWN];
    let wake: (() => void) | undefined;
    const listener: Listener = (status) => {
      if (status !== undefined) pending.push(status);
      wake?.();
    };
    const onAbort = (): void => wake?.();
    let set = this.listeners.get(service);
    if (!set) {
      set = new Set();
      this.listeners.set(service, set);
    }
    set.add(listener);
    signal.addEventListener("abort", onAbort, { once: true });
    try {
      let last: ServingStatus | undefined;
      while (!signal.aborted) {
        const status = pending.shift();
        if (status === undefined) {
          if (this.shuttingDown) return;
          await new Promise<void>((resolve) => {
            wake = resolve;
          });
          wake = undefined;
          continue;
        }
        // Watch reports changes, not repeats.
        if (status !== last) {
          last = status;
          yield status;
        }
      }
    } finally {
      set.delete(listener);
      if (set.size === 0) this.listeners.delete(service);
      signal.removeEventListener("abort", onAbort);
    }
  }

  private update(service: string, status: ServingStatus): void {
    const previous = this.statuses.get(service);
    this.statuses.set(service, status);
    if (previous === status) return;
    for (const listener of this.listeners.get(service) ?? []) listener(status);
  }
}
