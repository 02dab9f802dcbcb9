import { type AcceptanceRule, standardError } from "@distillspec/core";
import { checkAnswer, checkSteps, generateArithmeticProblems } from "@distillspec/datasets";
import { continuationDistributions } from "@distillspec/distill";
import type { Checkpoint } from "@distillspec/model";
import { DraftProposer, type TargetVerifier } from "@distillspec/serving";
import type { Tokenizer } from "@distillspec/tokenizer";
import { forEachInterleaved, type TimedDecode, timedDecode } from "./timed-decode.js";

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
  /** New tokens per solution (default 80). */
  maxNewTokens?: number;
}

interface Problem {
  prompt: number[];
  answer: number;
}

/** One way of decoding: target-only, or speculative decoding under a lenience rule. */
interface Decoding {
  f: string;
  epsilon: number;
  rule?: AcceptanceRule;
}

export async function runLossySweep(options: LossySweepOptions) {
  const { verifier, draft, tokenizer, quick } = options;
  const problems = generateArithmeticProblems(options.problems, { seed: 0, split: "test" }).map((p) => ({
    prompt: tokenizer.encode(p.prompt),
    answer: p.answer,
  }));
  const decodings: Decoding[] = [{ f: "target-only", epsilon: 1 }];
  for (const f of quick ? ["exp"] : ["lin", "sq", "exp"]) {
    for (const epsilon of quick ? [1, 0.2] : [1, 0.5, 0.2, 0.1]) {
      decodings.push({ f, epsilon, rule: options.lenience(f, epsilon) });
    }
  }
  const tallies = decodings.map(() => new Tally(tokenizer));
  const proposer = await DraftProposer.create(draft);
  try {
    await forEachInterleaved(problems.length, decodings.length, async (i, j) => {
      const { rule } = decodings[j];
      const decoded = await timedDecode(
        verifier,
        rule === undefined ? undefined : proposer,
        problems[i].prompt,
        i,
        {
          maxNewTokens: options.maxNewTokens ?? 80,
          gamma: options.gamma,
          temperature: 1,
          stopTokenIds: [tokenizer.eosId],
          rule,
        },
      );
      tallies[j].add(problems[i], decoded);
    });
  } finally {
    await proposer.close();
  }
  const summaries: Awaited<ReturnType<Tally["summary"]>>[] = [];
  for (const tally of tallies) summaries.push(await tally.summary(problems.length, verifier));
  const targetMsPerToken = summaries[0].ms_per_token;
  return decodings.map(({ f, epsilon }, j) => ({
    f,
    epsilon,
    ...summaries[j],
    ...(j === 0 ? { alpha: Number.NaN, tau: 1 } : {}),
    // Per written token: lenience changes the text, and with it how much there is to write.
    speedup: targetMsPerToken / summaries[j].ms_per_token,
  }));
}

/**
 * One decoding's results over the problems: final-answer accuracy, per-step accuracy (finer-grained: weak
 * models rarely finish a problem), the target's negative log-likelihood of what was written (T = 1; see
 * negativeLogLikelihood), which moves even when accuracy cannot, time per written token, and α and τ.
 */
class Tally {
  private correct = 0;
  private steps = 0;
  private correctSteps = 0;
  private readonly rows: number[][] = [];
  private readonly promptLengths: number[] = [];
  private ms = 0;
  private tokens = 0;
  private accepted = 0;
  private proposed = 0;
  private emitted = 0;
  private rounds = 0;

  constructor(private readonly tokenizer: Tokenizer) {}

  add(problem: Problem, { tokens: written, ms, stats }: TimedDecode): void {
    const solution = this.tokenizer.decode(written);
    if (checkAnswer(solution, problem.answer)) this.correct++;
    const steps = checkSteps(solution);
    this.steps += steps.total;
    this.correctSteps += steps.correct;
    if (written.length > 0) {
      this.rows.push([...problem.prompt, ...written]);
      this.promptLengths.push(problem.prompt.length);
    }
    this.ms += ms;
    this.tokens += written.length;
    if (stats !== undefined) {
      this.accepted += stats.metrics.numAcceptedTokens;
      this.proposed += stats.metrics.numDraftTokens;
      this.emitted += stats.emitted;
      this.rounds += stats.rounds;
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
      tokens_written: this.tokens,
      ms_per_token: this.ms / this.tokens,
      alpha: this.accepted / this.proposed,
      tau: this.emitted / this.rounds,
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
