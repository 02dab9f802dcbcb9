import { existsSync } from "node:fs";
import { join } from "node:path";
import { assertSameTokenizer, type Checkpoint, loadCheckpoint } from "./checkpoint.js";

// The bundled default pair lives in models/: tokenizer.json, target.ckpt, draft.ckpt (as pretrained), and
// draft-distilled.ckpt (that draft distilled against the target, what the services serve by default).

export interface ModelPair {
  target: Checkpoint;
  draft: Checkpoint;
}

/** Loads a target and a draft checkpoint and refuses a pair that does not share one tokenizer. */
export async function loadModelPair(targetPath: string, draftPath: string): Promise<ModelPair> {
  const [target, draft] = await Promise.all([loadCheckpoint(targetPath), loadCheckpoint(draftPath)]);
  assertSameTokenizer(draft, target, ["draft", "target"]);
  return { target, draft };
}

export function defaultModelPaths(modelsDir = "models") {
  return {
    tokenizer: join(modelsDir, "tokenizer.json"),
    target: join(modelsDir, "target.ckpt"),
    draft: join(modelsDir, "draft.ckpt"),
    distilledDraft: join(modelsDir, "draft-distilled.ckpt"),
    greedyDraft: join(modelsDir, "draft-distilled-greedy.ckpt"),
  };
}

/** The draft the services serve by default: the distilled one when the directory has it. */
export function servingDraftPath(modelsDir = "models"): string {
  const paths = defaultModelPaths(modelsDir);
  return existsSync(paths.distilledDraft) ? paths.distilledDraft : paths.draft;
}

/** The draft distilled for greedy decoding, when the directory has one (the demo serves it to greedy requests). */
export function greedyDraftPath(modelsDir = "models"): string | undefined {
  const path = defaultModelPaths(modelsDir).greedyDraft;
  return existsSync(path) ? path : undefined;
}
