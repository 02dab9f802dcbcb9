import { type AcceptanceRule, standardError } from "@distillspec/core";
import { checkAnswer, checkSteps, generateArithmeticProblems } from "@distillspec/datasets";
import { continuationDistributions } from "@distillspec/distill";
import type { Checkpoint } from "@distillspec/model";
import { DraftProposer, speculativeGenerate, type TargetVerifier } from "@distillspec/serving";
import type { Tokenizer } from "@distillspec/tokenizer";

// The lossy half of `bench distill`: arithmetic problems solved at T = 1 by target-only decoding and by
// speculative decoding under each lenience function and ε, with answer and per-step accuracy against the
// speedup over target-only. Our small models rarely solve a problem, so accuracy alone cannot show a small
// quality cost; each point also reports the target's own negative log-likelihood of what was written
// (lossless decoding writes the target's samples, so only lenience can raise it).

export interface LossySweepOptions {
  verifier: TargetVerifier;
  /** The draft (with the weights to decode with). */
  draft: Checkpoint;
  tokenizer: Tokenizer;
  /** The lenience rule for a function f and ε (built by the plugin host). */
  lenience: (f: string, epsilon: number) => AcceptanceRule;
  problems: number;
  gamma: number;
  quick: boolean;
}

export async function runLossySweep(options: LossySweepOptions) {
  const { verifier, draft, tokenizer, gamma, quick } = options;
  const problems = generateArithmeticProblems(options.problems, { seed: 0, split: "test" }).map((p) => ({
    prompt: tokenizer.encode(p.prompt),
    answer: p.answer,
  }));
  const targetOnly = await solveTargetOnly(verifier, problems, tokenizer);
  const points = [
    {
      f: "target-only",
      epsilon: 1,
      accuracy: targetOnly.accuracy,
      step_accuracy: targetOnly.step_accuracy,
      steps_written: targetOnly.steps_written,
      target_nll: targetOnly.target_nll,
      target_nll_se: targetOnly.target_nll_se,
      alpha: Number.NaN,
      tau: 1,
      speedup: 1,
    },
  ];
  for (const f of quick ? ["exp"] : ["lin", "sq", "exp"]) {
    for (const epsilon of quick ? [1, 0.2] : [1, 0.5, 0.2, 0.1]) {
      const rule = options.lenience(f, epsilon);
      const result = await solveSpeculative(verifier, draft, problems, tokenizer, rule, gamma);
      points.push({ f, epsilon, ...result, speedup: targetOnly.ms / result.ms });
    }
  }
  return points;
}

/**
 * Final-answer accuracy, per-step accuracy (finer-grained: weak models rarely finish a problem) and the
 * target's negative log-likelihood of what was written (T = 1; see negativeLogLikelihood), which moves even
 * when accuracy cannot.
 */
class SolutionQuality {
  private correct = 0;
  private steps = 0;
  private correctSteps = 0;
  private readonly rows: number[][] = [];
  private readonly promptLengths: number[] = [];

  constructor(private readonly tokenizer: Tokenizer) {}

  add(prompt: readonly number[], written: readonly number[], answer: number): void {
    const solution = this.tokenizer.decode([...written]);
    if (checkAnswer(solution, answer)) this.correct++;
    const steps = checkSteps(solution);
    this.steps += steps.total;
    this.correctSteps += steps.correct;
    if (written.length > 0) {
      this.rows.push([...prompt, ...written]);
      this.promptLengths.push(prompt.length);
    }
  }

  async summary(problems: number, target: TargetVerifier) {
    const nll = await negativeLogLikelihood(target, this.rows, this.promptLengths);
    return {
      accuracy: this.correct / problems,
      step_accuracy: this.steps > 0 ? this.correctSteps / this.steps : Number.NaN,
      steps_written: this.steps,
      target_nll: nll.mean,
      target_nll_se: nll.standardError,
    };
  }
}

/**
 * −ln p_target(token | context) at T = 1 per written token, averaged within each solution and then over
 * solutions (one long babbling solution would otherwise outweigh the rest), with its standard error over them.
 */
export async function negativeLogLikelihood(
  target: TargetVerifier,
  rows: readonly number[][],
  promptLengths: readonly number[],
): Promise<{ mean: number; standardError: number }> {
  const vocab = target.config.vocabSize;
  const distributions = await continuationDistributions(target, rows, promptLengths);
  const perSolution = distributions.map((p, r) => {
    const written = rows[r].slice(promptLengths[r]);
    return written.reduce((sum, token, k) => sum - Math.log(p[k * vocab + token]), 0) / written.length;
  });
  const mean =
    perSolution.length > 0 ? perSolution.reduce((a, b) => a + b, 0) / perSolution.length : Number.NaN;
  return { mean, standardError: standardError(perSolution) };
}

async function solveTargetOnly(
  verifier: TargetVerifier,
  problems: { prompt: number[]; answer: number }[],
  tokenizer: Tokenizer,
) {
  const quality = new SolutionQuality(tokenizer);
  const started = performance.now();
  for (const [i, p] of problems.entries()) {
    const ids: number[] = [];
    for await (const s of verifier.generate(p.prompt, 80, { temperature: 1, seed: BigInt(i) }, [
      tokenizer.eosId,
    ]))
      ids.push(s.tokenId);
    quality.add(p.prompt, ids, p.answer);
  }
  const ms = performance.now() - started;
  return { ...(await quality.summary(problems.length, verifier)), ms };
}

async function solveSpeculative(
  verifier: TargetVerifier,
  draft: Checkpoint,
  problems: { prompt: number[]; answer: number }[],
  tokenizer: Tokenizer,
  rule: AcceptanceRule,
  gamma: number,
) {
  const proposer = await DraftProposer.create(draft);
  const quality = new SolutionQuality(tokenizer);
  let accepted = 0;
  let proposed = 0;
  let emitted = 0;
  let rounds = 0;
  const started = performance.now();
  try {
    for (const [i, p] of problems.entries()) {
      const ids: number[] = [];
      for await (const event of speculativeGenerate(verifier, proposer, {
        promptTokens: p.prompt,
        maxNewTokens: 80,
        gamma,
        sampling: { temperature: 1, seed: BigInt(i) },
        stopTokenIds: [tokenizer.eosId],
        contextLength: verifier.config.contextLength,
        rule,
      })) {
        if (event.kind === "tokens") ids.push(...event.tokens);
        else {
          accepted += event.stats.metrics.numAcceptedTokens;
          proposed += event.stats.metrics.numDraftTokens;
          emitted += event.stats.emitted;
          rounds += event.stats.rounds;
        }
      }
      quality.add(p.prompt, ids, p.answer);
    }
  } finally {
    await proposer.close();
  }
  const ms = performance.now() - started;
  return {
    ...(await quality.summary(problems.length, verifier)),
    alpha: accepted / proposed,
    tau: emitted / rounds,
    ms,
  };
}
