import type { GrpcServer } from "./server.js";

export interface SignalHandlerOptions {
  /** Grace period for in-flight calls (default: the server's). */
  graceMs?: number;
  /** Runs after the server has stopped (release models, flush logs). */
  onShutdown?: () => void | Promise<void>;
  /** Exit the process once shut down (default true). */
  exit?: boolean;
  signals?: readonly NodeJS.Signals[];
}

/**
 * SIGTERM/SIGINT shut the server down gracefully and then exit; a second signal forces it. Returns a
 * function that removes the handlers.
 */
export function installSignalHandlers(server: GrpcServer, options: SignalHandlerOptions = {}): () => void {
  const signals = options.signals ?? ["SIGTERM", "SIGINT"];
  let received = false;
  const handler = (signal: NodeJS.Signals): void => {
    if (received) {
      server.forceShutdown();
      process.exit(1);
    }
    received = true;
    console.error(`[${server.name}] ${signal}: shutting down`);
    void (async () => {
      let code = 0;
      try {
        await server.shutdown(options.graceMs);
        await options.onShutdown?.();
      } catch (error) {
        console.error(`[${server.name}] shutdown failed:`, error);
        code = 1;
      }
      if (options.exit ?? true) process.exit(code);
    })();
  };
  for (const signal of signals) process.on(signal, handler);
  return () => {
    for (const signal of signals) process.off(signal, handler);
  };
}
