import { type ServiceProcessOptions, startServiceProcesses } from "./service-processes.js";

// `distillspec serve`: the three services as separate processes, the controller on a fixed port, until
// Ctrl-C (or SIGTERM), which stops the controller first and then the model services.

export interface ServeOptions {
  modelsDir?: string;
  targetCheckpoint?: string;
  draftCheckpoint?: string;
  /** A draft distilled for greedy decoding, served to temperature-0 requests by draft-proposers of its own. */
  greedyDraftCheckpoint?: string;
  targetReplicas?: number;
  draftReplicas?: number;
  threads?: number;
  host?: string;
  port?: number;
  log?: (line: string) => void;
}

export const DEFAULT_CONTROLLER_PORT = 50050;

/** What to print once serving: where each service listens and a call to try. */
export function serveBanner(addresses: {
  controller: string;
  targets: string[];
  drafts: string[];
  greedyDrafts?: string[];
}): string {
  const request = JSON.stringify({
    text: "The state of the Union is",
    max_new_tokens: 32,
    gamma: 4,
    sampling: { temperature: 0 },
  });
  return [
    `controller       ${addresses.controller}`,
    ...addresses.targets.map((a) => `target-verifier  ${a}`),
    ...addresses.drafts.map((a) => `draft-proposer   ${a}`),
    ...(addresses.greedyDrafts ?? []).map((a) => `draft-proposer   ${a} (greedy requests)`),
    "",
    "try it (the services serve gRPC reflection):",
    `  grpcurl -plaintext -d '${request}' ${addresses.controller} distillspec.v1.ControllerService/Generate`,
    "or from TypeScript:",
    `  const c = createClient(ControllerService, "${addresses.controller}"); // @distillspec/grpc, @distillspec/proto`,
    `  for await (const m of c.generate({ prompt: { case: "text", value: "The state of the Union is" }, maxNewTokens: 32, gamma: 4 })) console.log(m.event);`,
    "",
    "Ctrl-C stops all services.",
  ].join("\n");
}

/** Resolves with the exit code once the services have stopped (signal: 0, a crashed service: 1). */
export async function runServe(options: ServeOptions = {}): Promise<number> {
  const log = options.log ?? ((line: string) => console.log(line));
  const processOptions: ServiceProcessOptions = {
    modelsDir: options.modelsDir,
    targetCheckpoint: options.targetCheckpoint,
    draftCheckpoint: options.draftCheckpoint,
    greedyDraftCheckpoint: options.greedyDraftCheckpoint,
    targetReplicas: options.targetReplicas,
    draftReplicas: options.draftReplicas,
    threads: options.threads,
    host: options.host,
    controllerPort: options.port ?? DEFAULT_CONTROLLER_PORT,
    log: (line) => console.error(line),
  };
  // Listen before starting: a Ctrl-C during model loading must still stop what already came up (the
  // handler in service-processes only kills children when no one else listens).
  let signalled: ((signal: NodeJS.Signals) => void) | undefined;
  const signal = new Promise<NodeJS.Signals>((resolve) => {
    signalled = resolve;
  });
  const onSignal = (s: NodeJS.Signals) => signalled?.(s);
  for (const s of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.on(s, onSignal);
  try {
    const startup = startServiceProcesses(processOptions);
    const first = await Promise.race([startup, signal]);
    if (typeof first === "string") {
      log(`${first} during start-up: stopping`);
      await startup.then((services) => services.stop()).catch(() => {});
      return 0;
    }
    const services = first;
    log(serveBanner(services.addresses));
    const ended = await Promise.race([
      signal.then((s) => ({ kind: "signal" as const, s })),
      services.unexpectedExit.then((exit) => ({ kind: "exit" as const, exit })),
    ]);
    if (ended.kind === "signal") log(`\n${ended.s}: stopping the services`);
    else
      log(
        `${ended.exit.service} exited unexpectedly (code ${ended.exit.code}, signal ${ended.exit.signal}): ` +
          "stopping the others",
      );
    await services.stop();
    log("stopped");
    return ended.kind === "signal" ? 0 : 1;
  } finally {
    for (const s of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.off(s, onSignal);
  }
}
