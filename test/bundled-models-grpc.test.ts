import { generateArithmeticProblems } from "@distillspec/datasets";
import { defaultModelPaths, loadModelPair } from "@distillspec/model";
import { DecodingMode } from "@distillspec/proto";
import { loadTokenizer } from "@distillspec/tokenizer";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ServingStack, startServingStack } from "./support/serving-stack.js";

// The bundled pair over real gRPC: arithmetic answers end with <|eos|>, so both decoding modes must stop
// there, and greedy speculative output must equal target-only output token for token.

let stack: ServingStack;
beforeAll(async () => {
  const paths = defaultModelPaths("models");
  const pair = await loadModelPair(paths.target, paths.draft);
  stack = await startServingStack({
    models: { tokenizer: await loadTokenizer(paths.tokenizer), target: pair.target, draft: pair.draft },
  });
});
afterAll(async () => {
  await stack.close();
});

async function run(text: string, mode: DecodingMode) {
  const ids: number[] = [];
  let finishReason = "";
  for await (const message of stack.controller.generate({
    prompt: { case: "text", value: text },
    maxNewTokens: 96,
    gamma: 4,
    mode,
  })) {
    if (message.event.case === "delta") ids.push(...message.event.value.tokenIds);
    else if (message.event.case === "stats") finishReason = message.event.value.finishReason;
  }
  return { ids, finishReason };
}

describe("bundled models over gRPC", () => {
  it("greedy speculative equals target-only, and both stop at end-of-text", async () => {
    const problems = generateArithmeticProblems(4, { seed: 5, split: "test" });
    for (const problem of problems) {
      const reference = await run(problem.prompt, DecodingMode.TARGET_ONLY);
      const speculative = await run(problem.prompt, DecodingMode.SPECULATIVE);
      expect(speculative.ids).toEqual(reference.ids);
      expect(reference.ids.at(-1)).toBe(stack.tokenizer.eosId);
      expect(reference.finishReason).toBe("stop");
      expect(speculative.finishReason).toBe("stop");
    }
  });
});
