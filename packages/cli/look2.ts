import { createTaskData } from "@distillspec/distill";
import { loadModelPair } from "@distillspec/model";
import { TargetVerifier } from "@distillspec/serving";
import { loadTokenizer } from "@distillspec/tokenizer";

const tokenizer = await loadTokenizer("models/tokenizer.json");
const { target } = await loadModelPair("models/target.ckpt", "models/draft.ckpt");
const verifier = await TargetVerifier.create(target);
const ex = createTaskData("arithmetic", tokenizer, { maxContinuationTokens: 48 })
  .examples(4, 3n)
  .map((e) => [...e.prompt, ...e.continuation]);
console.log(
  "lengths",
  ex.map((e) => e.length),
);
const together = await verifier.teacherScore(ex, 1);
for (const [i, seq] of ex.entries()) {
  const [alone] = await verifier.teacherScore([seq], 1);
  let maxDiff = 0;
  for (let k = 0; k < alone.length; k++) maxDiff = Math.max(maxDiff, Math.abs(alone[k] - together[i][k]));
  console.log(i, "max |diff|", maxDiff.toExponential(2));
}
process.exit(0);
