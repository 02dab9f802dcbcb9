import { parseArgs } from "node:util";
import { createServer, installSignalHandlers, isEntryPoint } from "@distillspec/grpc";
import { loadCheckpoint } from "@distillspec/model";
import { DraftProposer } from "./draft-proposer.js";
import { draftProposerService } from "./draft-proposer-service.js";

// Process entry point: `draft-proposer --checkpoint models/draft.ckpt --address 127.0.0.1:50052`.
// Prints one JSON line {"event":"listening","port":N} once serving (port 0 picks a free port).

export async function startDraftProposer(argv: string[]) {
  const { values } = parseArgs({
    args: argv,
    options: {
      checkpoint: { type: "string", default: "models/draft.ckpt" },
      address: { type: "string", default: "127.0.0.1:50052" },
      threads: { type: "string", default: "1" },
      "max-sessions": { type: "string", default: "512" },
      "max-batch": { type: "string", default: "16" },
      "memory-budget-mb": { type: "string", default: "512" },
      "idle-ttl-s": { type: "string", default: "300" },
    },
  });
  const checkpoint = await loadCheckpoint(values.checkpoint);
  const proposer = await DraftProposer.create(checkpoint, {
    threads: Number(values.threads),
    maxSessions: Number(values["max-sessions"]),
    maxBatch: Number(values["max-batch"]),
    memoryBudgetBytes: Number(values["memory-budget-mb"]) * 1024 * 1024,
    idleTtlMs: Number(values["idle-ttl-s"]) * 1000,
  });
  const server = createServer({ name: "draft-proposer", services: [draftProposerService(proposer)] });
  const port = await server.listen(values.address);
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
