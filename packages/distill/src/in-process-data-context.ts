import type { Checkpoint, Weights } from "@distillspec/model";
import type { DataGeneratorContext } from "@distillspec/plugin-api";
import { DraftProposer, type TargetVerifier } from "@distillspec/serving";
import type { TaskData } from "./task-data.js";

// What the data generators draw from when target and draft live in this process (the CLI and the bench);
// the distiller service builds the same context over gRPC.

export function inProcessDataContext(
  data: TaskData,
  verifier: TargetVerifier,
  draft: Checkpoint,
  eos: number,
): (weights: Weights) => DataGeneratorContext {
  return (weights) => ({
    sampleTarget: (prompts, maxNew, temperature, seed) =>
      verifier.sample(prompts, maxNew, { temperature, seed }, [eos]),
    // On-policy: sample from the student as it is now, not from the starting draft.
    sampleDraft: async (prompts, maxNew, temperature, seed) => {
      const proposer = await DraftProposer.create({ ...draft, weights }, { threads: 1, maxSessions: 4096 });
      try {
        return await proposer.sample(prompts, maxNew, { temperature, seed }, [eos]);
      } finally {
        await proposer.close();
      }
    },
    datasetExamples: async (count, seed) => data.examples(count, seed),
    prompts: async (count, seed) => data.prompts(count, seed),
  });
}
