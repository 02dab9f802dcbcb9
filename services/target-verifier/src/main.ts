import { parseArgs } from "node:util";
import { createServer, installSignalHandlers, isEntryPoint } from "@distillspec/grpc";
import { loadCheckpoint } from "@distillspec/model";
import { TargetVerifier } from "./target-verifier.js";
import { targetVerifierService } from "./target-verifier-service.js";

// Process entry point: `target-verifier --checkpoint models/target.ckpt --address 127.0.0.1:50051`.
// Prints one JSON line {"event":"listening","port":N} once serving (port 0 picks a free port).

export async function startTargetVerifier(argv: string[]) {
  const { values } = parseArgs({
    args: argv,
    options: {
      checkpoint: { type: "string", default: "models/target.ckpt" },
      address: { type: "string", default: "127.0.0.1:50051" },
      threads: { type: "string", default: "1" },
      "max-sessions": { type: "string", default: "256" },
      "max-batch": { type: "string", default: "16" },
      "memory-budget-mb": { type: "string", default: "512" },
      "idle-ttl-s": { type: "string", default: "300" },
    },
  });
  const checkpoint = await loadCheckpoint(values.checkpoint);
  const verifier = await TargetVerifier.create(checkpoint, {
    threads: Number(values.threads),
    maxSessions: Number(values["max-sessions"]),
    maxBatch: Number(values["max-batch"]),
    memoryBudgetBytes: Number(values["memory-budget-mb"]) * 1024 * 1024,
    idleTtlMs: Number(values["idle-ttl-s"]) * 1000,
  });
  const server = createServer({ name: "target-verifier", services: [targetVerifierService(verifier)] });
  const port = await server.listen(values.address);
  installSignalHandlers(server, { onShutdown: () => verifier.close() });
  console.log(JSON.stringify({ event: "listening", service: "target-verifier", port }));
  return { server, verifier, port };
}

if (isEntryPoint(import.meta.url)) {
  startTargetVerifier(process.argv.slice(2)).catch((error: unknown) => {
    console.error(`target-verifier: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  });
}
