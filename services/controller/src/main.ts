import { parseArgs } from "node:util";
import { createServer, installSignalHandlers, isEntryPoint } from "@distillspec/grpc";
import {
  AcceptanceRuleRegistry,
  DEFAULT_ACCEPTANCE_PLUGINS,
  loadAcceptancePlugins,
} from "@distillspec/serving";
import { loadTokenizer } from "@distillspec/tokenizer";
import { connectReplicas } from "./connect-replicas.js";
import { controllerService } from "./controller-service.js";

// Process entry point:
//   controller --target 127.0.0.1:50051[,more] --draft 127.0.0.1:50052[,more] --address 127.0.0.1:50050
//   [--plugins @distillspec/acceptance-lenience,...]   acceptance-rule plugins to load (allow-list)
//   [--greedy-draft 127.0.0.1:50054[,more]]           drafts distilled for greedy decoding (temperature 0)
// Prints one JSON line {"event":"listening","port":N} once serving.

export async function startController(argv: string[]) {
  const { values } = parseArgs({
    args: argv,
    options: {
      target: { type: "string", default: "127.0.0.1:50051" },
      draft: { type: "string", default: "127.0.0.1:50052" },
      "greedy-draft": { type: "string", default: "" },
      tokenizer: { type: "string", default: "models/tokenizer.json" },
      address: { type: "string", default: "127.0.0.1:50050" },
      // Acceptance-rule plugin packages to load (the allow-list); "" loads none.
      plugins: { type: "string", default: DEFAULT_ACCEPTANCE_PLUGINS.join(",") },
    },
  });
  const tokenizer = await loadTokenizer(values.tokenizer);
  const split = (list: string) =>
    list
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean);
  const replicas = await connectReplicas(split(values.target), split(values.draft), tokenizer, {
    greedyDraftAddresses: split(values["greedy-draft"]),
  });
  const rules = new AcceptanceRuleRegistry();
  await loadAcceptancePlugins(rules, split(values.plugins));
  const server = createServer({
    name: "controller",
    services: [controllerService({ tokenizer, rules, ...replicas })],
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
