import { createServer, installSignalHandlers, isEntryPoint } from "@distillspec/grpc";
import { loadCheckpoint, parseModelServiceArgs } from "@distillspec/model";
import { DraftProposer } from "@distillspec/serving";
import { draftProposerService } from "./draft-proposer-service.js";

// Process entry point: `draft-proposer --checkpoint models/draft.ckpt --address 127.0.0.1:50052` (see parseModelServiceArgs
// for the limits). Prints one JSON line {"event":"listening","port":N} once serving (port 0 picks one).

export async function startDraftProposer(argv: string[]) {
  const args = parseModelServiceArgs(argv, { checkpoint: "models/draft.ckpt", address: "127.0.0.1:50052" });
  const proposer = await DraftProposer.create(await loadCheckpoint(args.checkpoint), args.options);
  const server = createServer({ name: "draft-proposer", services: [draftProposerService(proposer)] });
  const port = await server.listen(args.address);
  installSignalHandlers(server, { onShutdown: () => proposer.close() });
  console.log(JSON.stringify({ event: "listening", service: "draft-proposer", port }));
  return { server, proposer, port };
}

if (isEntryPoint(import.meta.url)) {
  startDraftProposer(process.argv.slice(2)).catch((error: unknown) => {
    console.error(`draft-proposer: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  });
}
