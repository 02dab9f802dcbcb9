import { parseArgs } from "node:util";
import { createServer, installSignalHandlers, isEntryPoint } from "@distillspec/grpc";
import { assertSameTokenizer, loadCheckpoint } from "@distillspec/model";
import { loadTokenizer } from "@distillspec/tokenizer";
import { distillerService } from "./distiller-service.js";
import { DEFAULT_DISTILLER_PLUGINS, loadDistillerPlugins, RunManager } from "./run-manager.js";

// Process entry point:
//   distiller --address 127.0.0.1:50053 --runs-dir runs --draft-checkpoint models/draft.ckpt
//     --tokenizer models/tokenizer.json [--plugins @distillspec/divergence-fkl,...] [--threads 1]
//     [--eval-samples 1]  (decodes per evaluation prompt in T > 0 runs)
// Target and draft addresses come with each StartRun. Prints one JSON line
// {"event":"listening","service":"distiller","port":N} once serving.

export async function startDistiller(argv: string[]) {
  const { values } = parseArgs({
    args: argv,
    options: {
      address: { type: "string", default: "127.0.0.1:50053" },
      "runs-dir": { type: "string", default: "runs" },
      "draft-checkpoint": { type: "string", default: "models/draft.ckpt" },
      tokenizer: { type: "string", default: "models/tokenizer.json" },
      // Divergence and data-generator plugin packages to load (the allow-list); "" loads none.
      plugins: { type: "string", default: DEFAULT_DISTILLER_PLUGINS.join(",") },
      threads: { type: "string", default: "1" },
      "eval-samples": { type: "string", default: "1" },
    },
  });
  const threads = positiveIntFlag("--threads", values.threads);
  const evalSamplesPerPrompt = positiveIntFlag("--eval-samples", values["eval-samples"]);
  const [tokenizer, draftCheckpoint] = await Promise.all([
    loadTokenizer(values.tokenizer),
    loadCheckpoint(values["draft-checkpoint"]),
  ]);
  // Task data is tokenized with this tokenizer: it must be the draft's.
  assertSameTokenizer(
    draftCheckpoint,
    { tokenizerIdentity: tokenizer.identity, config: { vocabSize: tokenizer.vocabSize } },
    ["draft checkpoint", "tokenizer file"],
  );
  const plugins = await loadDistillerPlugins(
    values.plugins
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean),
  );
  const runs = new RunManager({
    runsDir: values["runs-dir"],
    draftCheckpoint,
    tokenizer,
    plugins,
    threads,
    evalSamplesPerPrompt,
  });
  await runs.restore();
  const server = createServer({ name: "distiller", services: [distillerService(runs)] });
  const port = await server.listen(values.address);
  // Runs stop at a step boundary with their state saved, so they can be resumed after a restart.
  installSignalHandlers(server, { onShutdown: () => runs.close() });
  console.log(JSON.stringify({ event: "listening", service: "distiller", port }));
  return { server, port, runs };
}

function positiveIntFlag(flag: string, value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 1) throw new RangeError(`${flag} must be an integer ≥ 1, got ${value}`);
  return n;
}

if (isEntryPoint(import.meta.url)) {
  startDistiller(process.argv.slice(2)).catch((error: unknown) => {
    console.error(`distiller: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  });
}
