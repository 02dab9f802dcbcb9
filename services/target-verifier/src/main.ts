import { createServer, installSignalHandlers, isEntryPoint } from "@distillspec/grpc";
import { loadCheckpoint, parseModelServiceArgs } from "@distillspec/model";
import { TargetVerifier } from "@distillspec/serving";
import { targetVerifierService } from "./target-verifier-service.js";

// Process entry point: `target-verifier --checkpoint models/target.ckpt --address 127.0.0.1:50051` (see parseModelServiceArgs
// for the limits). Prints one JSON line {"event":"listening","port":N} once serving (port 0 picks one).

export async function startTargetVerifier(argv: string[]) {
  const args = parseModelServiceArgs(argv, { checkpoint: "models/target.ckpt", address: "127.0.0.1:50051" });
  const verifier = await TargetVerifier.create(await loadCheckpoint(args.checkpoint), args.options);
  const server = createServer({ name: "target-verifier", services: [targetVerifierService(verifier)] });
  const port = await server.listen(args.address);
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
