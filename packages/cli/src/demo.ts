import { relative } from "node:path";
import { createClient } from "@distillspec/grpc";
import { greedyDraftPath } from "@distillspec/model";
import { ControllerService, DecodingMode } from "@distillspec/proto";
import { formatTable } from "./format-table.js";
import { startServiceProcesses } from "./service-processes.js";

// The main job on the bundled models: start target-verifier, draft-proposer and controller as separate
// processes, then decode a few prompts through the controller twice — target-only and speculative —
// and show the text, the acceptance statistics and the wall-clock ratio side by side.

export interface DemoOptions {
  modelsDir: string;
  maxNew: number;
  gamma: number;
  log?: (line: string) => void;
}

const PROMPTS = [
  "The state of the Union is",
  "We must continue to strengthen our",
  "Congress has the power to",
  "Question: Wen starts the week with 13 beads. He buys 5 pouches of beads with 6 in each pouch. " +
    "He gives 33 beads to Ivan. How many beads are left with Wen?\nAnswer:",
];

export async function runDemo(options: DemoOptions): Promise<void> {
  const log = options.log ?? ((line: string) => console.log(line));
  // Greedy requests get the draft distilled for greedy decoding when the models directory has one.
  const greedyDraftCheckpoint = greedyDraftPath(options.modelsDir);
  log(
    `starting target-verifier, draft-proposer${greedyDraftCheckpoint ? "s (one for greedy requests)" : ""} and controller …`,
  );
  const services = await startServiceProcesses({ modelsDir: options.modelsDir, greedyDraftCheckpoint });
  const controller = createClient(ControllerService, services.addresses.controller);
  try {
    const topology = await controller.topology({});
    log(
      `controller ${services.addresses.controller}: target ${topology.target?.parameterCount} params at ` +
        `${topology.targetAddresses.join(", ")}; draft ${topology.draft?.parameterCount} params at ` +
        `${topology.draftAddresses.join(", ")} (${relative(process.cwd(), services.checkpoints.draft)})` +
        (greedyDraftCheckpoint
          ? `; greedy requests: ${topology.greedyDraftAddresses.join(", ")} (${relative(process.cwd(), greedyDraftCheckpoint)})`
          : ""),
    );
    const rows: (string | number)[][] = [];
    for (const [i, text] of PROMPTS.entries()) {
      const run = async (mode: DecodingMode, temperature: number) => {
        const started = performance.now();
        let out = "";
        let stats: { alpha: number; tau: number } | undefined;
        for await (const message of controller.generate({
          prompt: { case: "text", value: text },
          maxNewTokens: options.maxNew,
          gamma: options.gamma,
          mode,
          sampling: { temperature, seed: BigInt(i + 1) },
        })) {
          if (message.event.case === "delta") out += message.event.value.text;
          else if (message.event.case === "stats") stats = message.event.value;
        }
        return { out, ms: performance.now() - started, stats: stats! };
      };
      const baseline = await run(DecodingMode.TARGET_ONLY, 0);
      const speculative = await run(DecodingMode.SPECULATIVE, 0);
      const sampled = await run(DecodingMode.SPECULATIVE, 1);
      log(`\nprompt: ${JSON.stringify(text)}`);
      log(
        `  greedy (speculative = target-only: ${speculative.out === baseline.out ? "identical" : "DIFFERENT"})`,
      );
      log(`    ${JSON.stringify(speculative.out)}`);
      log(`  sampled at T=1, seed ${i + 1}`);
      log(`    ${JSON.stringify(sampled.out)}`);
      rows.push([
        text.slice(0, 28),
        baseline.ms.toFixed(0),
        speculative.ms.toFixed(0),
        (baseline.ms / speculative.ms).toFixed(2),
        speculative.stats.alpha.toFixed(2),
        speculative.stats.tau.toFixed(2),
      ]);
    }
    log(
      `\n${formatTable(["prompt (greedy, γ=" + options.gamma + ")", "target-only ms", "speculative ms", "speedup", "α", "τ"], rows)}`,
    );
    log("\nFull benchmark: npx distillspec bench serve --out bench-out/serve.json");
  } finally {
    controller.$close();
    await services.stop();
  }
}
