import { createTaskData } from "@distillspec/distill";
import { loadCheckpoint, loadModelPair } from "@distillspec/model";
import { DraftProposer, TargetVerifier } from "@distillspec/serving";
import { loadTokenizer } from "@distillspec/tokenizer";

const tokenizer = await loadTokenizer("models/tokenizer.json");
const { target, draft } = await loadModelPair("models/target.ckpt", "models/draft.ckpt");
const verifier = await TargetVerifier.create(target);
const base = await DraftProposer.create(draft);
const distilled = await DraftProposer.create(await loadCheckpoint(process.argv[2]));
const task = (process.argv[3] ?? "arithmetic") as "arithmetic";
const prompts = createTaskData(task, tokenizer, { maxContinuationTokens: 48 }).evalPrompts(2, 5n);
for (const p of prompts) {
  console.log("PROMPT:", JSON.stringify(tokenizer.decode(p).slice(-120)));
  for (const [name, m] of [
    ["target", verifier],
    ["base", base],
    ["distilled", distilled],
  ] as const) {
    const [out] = await (m as DraftProposer).sample([p], 40, { temperature: 0 }, []);
    console.log(name.padEnd(10), JSON.stringify(tokenizer.decode(out)));
  }
}
process.exit(0);
