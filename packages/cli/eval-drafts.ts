import { createInProcessEvaluator, createTaskData } from "@distillspec/distill";
import { loadCheckpoint, loadModelPair } from "@distillspec/model";
import { TargetVerifier } from "@distillspec/serving";
import { loadTokenizer } from "@distillspec/tokenizer";

const tokenizer = await loadTokenizer("models/tokenizer.json");
const { target, draft } = await loadModelPair("models/target.ckpt", "models/draft.ckpt");
const verifier = await TargetVerifier.create(target, { threads: 2, maxSessions: 4096, maxGamma: 16 });
const evaluate = createInProcessEvaluator({
  target: verifier,
  draft: { config: draft.config, tokenizerIdentity: draft.tokenizerIdentity },
  targetContextLength: 512,
});
const candidates: [string, string][] = [
  ["base", "models/draft.ckpt"],
  ...process.argv.slice(2).map((p) => [p.split("/").pop()!, p] as [string, string]),
];
for (const task of ["language-modelling", "arithmetic"] as const) {
  const prompts = createTaskData(task, tokenizer, { maxContinuationTokens: 48 }).evalPrompts(16, 99n);
  for (const [name, path] of candidates) {
    const w = (await loadCheckpoint(path)).weights;
    const g = await evaluate(w, { prompts, gamma: 4, temperature: 0, maxNewTokens: 48, seed: 7n });
    const t = await evaluate(w, { prompts, gamma: 4, temperature: 1, maxNewTokens: 48, seed: 7n });
    console.log(
      `${task} ${name}: greedy α ${g.alpha.toFixed(3)} τ ${g.tau.toFixed(2)}; T=1 α ${t.alpha.toFixed(3)} τ ${t.tau.toFixed(2)}`,
    );
  }
}
await verifier.close();
