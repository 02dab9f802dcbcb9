// Client-side round-robin over the replicas of one service. A generation picks one replica per service
// and keeps it for all its calls, because its session (and KV cache) lives there.

export class ReplicaPool<C> {
  private cursor = 0;
  readonly clients: readonly C[];

  constructor(
    readonly addresses: readonly string[],
    connect: (address: string) => C,
  ) {
    if (addresses.length === 0) throw new Error("a replica pool needs at least one address");
    this.clients = addresses.map(connect);
  }

  next(): C {
    const client = this.clients[this.cursor % this.clients.length];
    this.cursor++;
    return client;
  }
}
