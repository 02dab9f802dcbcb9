import { generateArithmeticProblems } from "@distillspec/datasets";
import { defaultModelPaths, loadModelPair, ModelRunner } from "@distillspec/model";
import { loadTokenizer } from "@distillspec/tokenizer";
import { arithmeticAccuracy } from "./arithmetic-eval.js";
import { formatTable } from "./format-table.js";
import { greedyGenerate } from "./greedy-generate.js";

// The main job on the bundled models: load the pair, check they share the tokenizer, decode a few
// prompts greedily with each, and measure per-token latency and arithmetic accuracy side by side.

export interface DemoOptions {
  modelsDir: string;
  maxNew: number;
  arithmeticCount: number;
  log?: (line: string) => void;
}

const TEXT_PROMPTS = [
  "The state of the Union is",
  "We must continue to strengthen our",
  "Congress has the power to",
];

export async function runDemo(options: DemoOptions): Promise<void> {
  const log = options.log ?? ((line: string) => console.log(line));
  const paths = defaultModelPaths(options.modelsDir);
  const tokenizer = await loadTokenizer(paths.tokenizer);
  const pair = await loadModelPair(paths.target, paths.draft);
  if (pair.target.tokenizerIdentity !== tokenizer.identity) {
    throw new Error(`${paths.tokenizer} is not the tokenizer the bundled models were trained with`);
  }
  const target = await ModelRunner.create(pair.target.config, pair.target.weights, { intraOpThreads: 1 });
  const draft = await ModelRunner.create(pair.draft.config, pair.draft.weights, { intraOpThreads: 1 });
  const rows: (string | number)[][] = [];
  const problem = generateArithmeticProblems(1, { seed: 99, split: "test" })[0];
  for (const prompt of [...TEXT_PROMPTS, problem.prompt]) {
    log(`\nprompt: ${JSON.stringify(prompt)}`);
    for (const [name, runner] of [
      ["target", target],
      ["draft", draft],
    ] as const) {
      const started = performance.now();
      const ids = await greedyGenerate(
        runner,
        tokenizer.encode(prompt),
        options.maxNew,
        (out) => out.at(-1) === tokenizer.eosId,
      );
      const ms = performance.now() - started;
      log(`  ${name.padEnd(6)} ${JSON.stringify(tokenizer.decode(ids))}`);
      rows.push([name, prompt.slice(0, 24), ids.length, (ms / ids.length).toFixed(2)]);
    }
  }
  log(`\n${formatTable(["model", "prompt", "tokens", "ms/token"], rows)}`);
  const [targetAcc, draftAcc] = [
    await arithmeticAccuracy(target, tokenizer, options.arithmeticCount),
    await arithmeticAccuracy(draft, tokenizer, options.arithmeticCount),
  ];
  log(
    `\n${formatTable(
      ["model", "parameters", "arithmetic accuracy"],
      [
        ["target", target.parameterCount, `${targetAcc.correct}/${targetAcc.count}`],
        ["draft", draft.parameterCount, `${draftAcc.correct}/${draftAcc.count}`],
      ],
    )}`,
  );
  await target.release();
  await draft.release();
}
