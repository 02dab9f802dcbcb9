import { Command, InvalidArgumentError } from "commander";
import { DEFAULT_PRETRAIN, pretrain } from "./pretrain.js";

// The `distillspec` command.

const positiveInt = (value: string): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new InvalidArgumentError(`expected a positive integer, got "${value}"`);
  return n;
};
const positiveNumber = (value: string): number => {
  const n = Number(value);
  if (!(n > 0)) throw new InvalidArgumentError(`expected a positive number, got "${value}"`);
  return n;
};

const program = new Command("distillspec").description("Speculative decoding with distilled drafts");

program
  .command("pretrain")
  .description("train the tokenizer and a target or draft model from scratch on CPU (resumable)")
  .requiredOption("--role <role>", "target | draft")
  .option("--out <dir>", "models directory", "models")
  .option("--steps <n>", "training steps", positiveInt)
  .option("--batch <n>", "sequences per step", positiveInt)
  .option("--seq-len <n>", "tokens per sequence", positiveInt)
  .option("--lr <x>", "peak learning rate", positiveNumber)
  .option("--threads <n>", "onnxruntime intra-op threads", positiveInt)
  .option("--seed <n>", "random seed", positiveInt)
  .option("--eval-every <n>", "validation interval in steps", positiveInt)
  .option("--checkpoint-every <n>", "checkpoint interval in steps", positiveInt)
  .action(async (opts) => {
    if (opts.role !== "target" && opts.role !== "draft")
      throw new InvalidArgumentError("--role must be target or draft");
    const defaults = DEFAULT_PRETRAIN[opts.role as "target" | "draft"];
    await pretrain({
      ...defaults,
      role: opts.role,
      outDir: opts.out,
      steps: opts.steps ?? defaults.steps,
      batch: opts.batch ?? defaults.batch,
      seqLen: opts.seqLen ?? defaults.seqLen,
      learningRate: opts.lr ?? defaults.learningRate,
      threads: opts.threads ?? defaults.threads,
      seed: opts.seed ?? defaults.seed,
      evalEvery: opts.evalEvery ?? defaults.evalEvery,
      checkpointEvery: opts.checkpointEvery ?? defaults.checkpointEvery,
    });
  });

program.parseAsync(process.argv).catch((error: unknown) => {
  console.error(`distillspec: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
