import { greedyDraftPath } from "@distillspec/model";
import { Command, InvalidArgumentError } from "commander";
import { benchDistillCommand } from "./bench-distill.js";
import { benchModelCommand } from "./bench-model.js";
import { benchServeCommand } from "./bench-serve.js";
import { runDemo } from "./demo.js";
import { DISTILL_DEFAULTS, distillCommand } from "./distill.js";
import { growCommand } from "./grow.js";
import { nonNegativeInt, positiveInt, positiveNumber } from "./option-parsers.js";
import { DEFAULT_PRETRAIN, pretrain } from "./pretrain.js";
import { DEFAULT_CONTROLLER_PORT, runServe } from "./serve.js";

// The `distillspec` command.

/** `--greedy-draft PATH`, `--no-greedy-draft` (false), or neither: the bundled greedy draft when present. */
const greedyDraftOption = (option: string | false | undefined, modelsDir: string) =>
  option === false ? undefined : (option ?? greedyDraftPath(modelsDir));

const program = new Command("distillspec").description("Speculative decoding with distilled drafts");
const d = DISTILL_DEFAULTS;

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
  .option("--warmup <n>", "learning-rate warm-up steps", nonNegativeInt)
  .option("--init <path>", "start from this checkpoint (e.g. one made by `grow`) instead of random weights")
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
      warmup: opts.warmup ?? defaults.warmup,
      initFrom: opts.init,
    });
  });

program
  .command("grow")
  .description("make a trained model deeper without changing what it computes (new blocks start as identity)")
  .requiredOption("--from <path>", "trained checkpoint")
  .requiredOption("--layers <n>", "layers of the grown model", positiveInt)
  .requiredOption("--out <path>", "grown checkpoint (train it further with `pretrain --init`)")
  .option("--seed <n>", "seed for the new blocks' random matrices", positiveInt, 1)
  .action(async (opts) => {
    await growCommand({ from: opts.from, layers: opts.layers, out: opts.out, seed: opts.seed });
  });

// `bench` may be shared with other benchmarks: reuse the group when one is already registered.
(program.commands.find((c) => c.name() === "bench") ?? program.command("bench").description("benchmarks"))
  .command("model")
  .description("model-engine benchmark: verification cost, training efficiency, ORT parity")
  .requiredOption("--out <file>", "JSON report path")
  .option("--quick", "fewer repetitions and smaller training batches")
  .option("--target <path>", "target checkpoint", "models/target.ckpt")
  .option("--draft <path>", "draft checkpoint", "models/draft.ckpt")
  .option("--random-weights", "skip the checkpoints (timings do not depend on weights)")
  .action(async (opts) => {
    await benchModelCommand(opts);
  });

(program.commands.find((c) => c.name() === "bench") ?? program.command("bench").description("benchmarks"))
  .command("serve")
  .description("the services as separate processes: speculative vs target-only speedup, γ sweep, throughput")
  .requiredOption("--out <file>", "JSON report path")
  .option("--quick", "fewer prompts and shorter generations")
  .option("--models <dir>", "models directory (tokenizer.json)", "models")
  .option("--target <path>", "target checkpoint (default <models>/target.ckpt)")
  .option(
    "--draft <path>",
    "draft checkpoint (default <models>/draft-distilled.ckpt if present, else draft.ckpt)",
  )
  .option(
    "--greedy-draft <path>",
    "a draft distilled for greedy decoding, for temperature-0 requests (default <models>/draft-distilled-greedy.ckpt if present)",
  )
  .option("--no-greedy-draft", "serve greedy requests with the default draft too")
  .option("--target-replicas <n>", "target-verifier processes", positiveInt)
  .option("--draft-replicas <n>", "draft-proposer processes", positiveInt)
  .option("--threads <n>", "onnxruntime intra-op threads per model service", positiveInt)
  .option("--lookahead", "speculative requests draft the next block during each verification")
  .action(async (opts) => {
    await benchServeCommand({ ...opts, greedyDraft: greedyDraftOption(opts.greedyDraft, opts.models) });
  });

(program.commands.find((c) => c.name() === "bench") ?? program.command("bench").description("benchmarks"))
  .command("distill")
  .description(
    "non-distilled vs distilled drafts (divergence × data generator × decoding mode, 2 tasks), τ gains, lossy sweep",
  )
  .requiredOption("--out <file>", "JSON report path")
  .option("--quick", "one task, two divergences, a few steps")
  .option("--models <dir>", "models directory", "models")
  .option(
    "--steps <n>",
    "distillation steps per run, for every task or per task (language-modelling=1500,arithmetic=600)",
  )
  .option(
    "--lr <x>",
    "peak learning rate, for every task or per task (default language-modelling=2e-3,arithmetic=5e-4)",
  )
  .option(
    "--final-steps <n>",
    "then distil each task's best grid configuration per mode again for this many steps (or per task)",
  )
  .option("--warmup <n>", "linear warm-up steps", nonNegativeInt)
  .option("--modes <list>", "decoding modes to distil drafts for: greedy,sampled (default both)")
  .option("--keep-drafts <dir>", "keep each run's final draft checkpoint in this directory")
  .option("--tasks <list>", "comma-separated: arithmetic,language-modelling")
  .option("--divergences <list>", "comma-separated divergence ids (fkl,rkl,jsd,tvd)")
  .option(
    "--generators <list>",
    "comma-separated data-generator ids (default fixed,on-policy; also teacher, mixture)",
  )
  .option(
    "--drafts <list>",
    "comma-separated checkpoints of drafts distilled elsewhere, measured and ranked with the runs' drafts",
  )
  .action(async (opts) => {
    await benchDistillCommand(opts);
  });

program
  .command("distill")
  .description("distil the draft against the target on this machine; writes the best draft by α (resumable)")
  .requiredOption("--out <file>", "checkpoint to write (e.g. models/draft-distilled.ckpt)")
  .option("--models <dir>", "models directory (tokenizer.json, target.ckpt, draft.ckpt)", "models")
  .option("--target <path>", "target checkpoint (default <models>/target.ckpt)")
  .option("--draft <path>", "starting draft checkpoint (default <models>/draft.ckpt)")
  .option("--task <task>", "language-modelling | arithmetic | mixed", d.task)
  .option("--divergence <id>", "fkl | rkl | jsd | tvd", d.divergence)
  .option("--divergence-options <json>", "divergence options, e.g. '{\"beta\":0.5}' for jsd")
  .option("--generator <id>", "fixed | teacher | on-policy | mixture", d.generator)
  .option("--generator-options <json>", "data generator options (default: 48 new tokens at the temperature)")
  .option("--steps <n>", "training steps", positiveInt, d.steps)
  .option("--batch <n>", "sequences per step", positiveInt, d.batch)
  .option("--seq-len <n>", "tokens per sequence", positiveInt, d.seqLen)
  .option("--lr <x>", "peak learning rate", positiveNumber, d.lr)
  .option("--warmup <n>", "linear warm-up steps before the cosine decay", nonNegativeInt, d.warmup)
  .option(
    "--temperature <t>",
    "decoding temperature the draft is distilled for (0 = greedy, which distils at T = 0.3)",
    Number,
    d.temperature,
  )
  .option("--eval-every <n>", "evaluate α, τ and save the run state every n steps", positiveInt, d.evalEvery)
  .option("--eval-prompts <n>", "held-out prompts per evaluation", positiveInt, d.evalPrompts)
  .option("--eval-samples <n>", "decodes per evaluation prompt at T > 0", positiveInt, d.evalSamples)
  .option("--seed <n>", "random seed", positiveInt, d.seed)
  .option("--threads <n>", "onnxruntime intra-op threads", positiveInt, d.threads)
  .option("--work-dir <dir>", "run state directory (default <out>.run)")
  .option("--resume", "continue the run saved in the work directory")
  .action(async (opts) => {
    const controller = new AbortController();
    // Ctrl-C: finish the step in flight, save the state, stop (a second Ctrl-C kills).
    process.once("SIGINT", () => {
      console.error("stopping after this step (Ctrl-C again to kill)");
      controller.abort();
    });
    await distillCommand({ ...opts, signal: controller.signal });
  });

program
  .command("serve")
  .description("run the controller, target-verifier and draft-proposer as separate processes until Ctrl-C")
  .option("--models <dir>", "models directory", "models")
  .option("--target <path>", "target checkpoint (default <models>/target.ckpt)")
  .option(
    "--draft <path>",
    "draft checkpoint (default <models>/draft-distilled.ckpt if present, else draft.ckpt)",
  )
  .option("--target-replicas <n>", "target-verifier processes", positiveInt, 1)
  .option("--draft-replicas <n>", "draft-proposer processes", positiveInt, 1)
  .option("--threads <n>", "onnxruntime intra-op threads per model service", positiveInt, 1)
  .option("--port <p>", "controller port", positiveInt, DEFAULT_CONTROLLER_PORT)
  .option(
    "--greedy-draft <path>",
    "a draft distilled for greedy decoding, for temperature-0 requests (default <models>/draft-distilled-greedy.ckpt if present)",
  )
  .option("--no-greedy-draft", "serve greedy requests with the default draft too")
  .action(async (opts) => {
    process.exitCode = await runServe({
      modelsDir: opts.models,
      targetCheckpoint: opts.target,
      draftCheckpoint: opts.draft,
      greedyDraftCheckpoint: greedyDraftOption(opts.greedyDraft, opts.models),
      targetReplicas: opts.targetReplicas,
      draftReplicas: opts.draftReplicas,
      threads: opts.threads,
      port: opts.port,
    });
  });

program
  .command("demo")
  .description("the main job: the three services on the bundled models, target-only vs speculative decoding")
  .option("--models <dir>", "models directory", "models")
  .option("--max-new <n>", "tokens to generate per prompt", positiveInt, 48)
  .option("--gamma <n>", "draft tokens per round", positiveInt, 4)
  .action(async (opts) => {
    await runDemo({ modelsDir: opts.models, maxNew: opts.maxNew, gamma: opts.gamma });
  });

program.parseAsync(process.argv).catch((error: unknown) => {
  console.error(`distillspec: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
