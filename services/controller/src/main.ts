import { parseArgs } from "node:util";
import { createServer, installSignalHandlers, isEntryPoint } from "@distillspec/grpc";
import { loadTokenizer } from "@distillspec/tokenizer";
import { AcceptanceRuleRegistry } from "./acceptance-rules.js";
import { connectReplicas } from "./connect-replicas.js";
import { controllerService } from "./controller-service.js";

// Process entry point:
//   controller --target 127.0.0.1:50051[,more] --draft 127.0.0.1:50052[,more] --address 127.0.0.1:50050
// Prints one JSON line {"event":"listening","port":N} once serving.

export async function startController(argv: string[]) {
  const { values } = parseArgs({
    args: argv,
    options: {
      target: { type: "string", default: "127.0.0.1:50051" },
      draft: { type: "string", default: "127.0.0.1:50052" },
      tokenizer: { type: "string", default: "models/tokenizer.json" },
      address: { type: "string", default: "127.0.0.1:50050" },
    },
  });
  const tokenizer = await loadTokenizer(values.tokenizer);
  const split = (list: string) =>
    list
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean);
  const replicas = await connectReplicas(split(values.target), split(values.draft), tokenizer);
  const server = createServer({
    name: "controller",
    services: [controllerService({ tokenizer, rules: new AcceptanceRuleRegistry(), ...replicas })],
  });
  const port = await server.listen(values.address);
  installSignalHandlers(server);
  console.log(JSON.stringify({ event: "listening", service: "controller", port }));
  return { server, port };
}

if (isEntryPoint(import.meta.url)) {
  startController(process.argv.slice(2)).catch((error: unknown) => {
    console.error(`controller: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  });
}
