import { randomBytes } from "node:crypto";
import { mkdir, open, readFile, rename, unlink } from "node:fs/promises";
import { join } from "node:path";
import {
  loadCheckpoint,
  type ModelConfig,
  sameConfig,
  saveCheckpoint,
  type TrainerState,
} from "@distillspec/model";
import type { DistillationConfig } from "./distillation-config.js";

// What a run leaves in outDir so it can be resumed: last.ckpt (draft weights), state/m.ckpt and
// state/v.ckpt (AdamW moments, stored as checkpoints like the pretrainer does) and state.json, written
// last as the commit point. Every file is replaced atomically; the step recorded in each checkpoint's
// metadata must match state.json, so an interrupted save is detected instead of silently mixed.

export interface EvaluationRecord {
  step: number;
  alpha: number;
  tau: number;
}

export interface RunState {
  step: number;
  /** Fields that change the training trajectory; a resume with different values is refused. */
  training: TrainingFingerprint;
  latestEvaluation: EvaluationRecord | null;
  best: EvaluationRecord | null;
  history: { step: number; loss: number }[];
  evaluations: EvaluationRecord[];
}

export type TrainingFingerprint = Pick<
  DistillationConfig,
  "steps" | "batchSize" | "seqLen" | "learningRate" | "warmupSteps" | "temperature"
> & { seed: string };

export function trainingFingerprint(config: DistillationConfig): TrainingFingerprint {
  const { steps, batchSize, seqLen, learningRate, warmupSteps, temperature } = config;
  return { steps, batchSize, seqLen, learningRate, warmupSteps, temperature, seed: String(config.seed) };
}

export const runPaths = (outDir: string) => ({
  last: join(outDir, "last.ckpt"),
  best: join(outDir, "best.ckpt"),
  m: join(outDir, "state", "m.ckpt"),
  v: join(outDir, "state", "v.ckpt"),
  json: join(outDir, "state.json"),
});

export interface DraftIdentity {
  config: ModelConfig;
  tokenizerIdentity: string;
}

export async function saveRunState(
  outDir: string,
  draft: DraftIdentity,
  trainer: TrainerState,
  state: RunState,
): Promise<void> {
  const paths = runPaths(outDir);
  await mkdir(join(outDir, "state"), { recursive: true });
  const common = { ...draft, metadata: { step: trainer.step, role: "distilled-draft" } };
  await saveCheckpoint(paths.m, { ...common, weights: trainer.m });
  await saveCheckpoint(paths.v, { ...common, weights: trainer.v });
  await saveCheckpoint(paths.last, { ...common, weights: trainer.weights });
  await writeJsonAtomic(paths.json, state);
}

/** Loads a saved run; refuses one from another draft or training config. */
export async function loadRunState(
  outDir: string,
  draft: DraftIdentity,
  expected: TrainingFingerprint,
): Promise<{ state: RunState; trainer: TrainerState }> {
  const paths = runPaths(outDir);
  let state: RunState;
  try {
    state = JSON.parse(await readFile(paths.json, "utf8")) as RunState;
  } catch (err) {
    throw new Error(`cannot resume: no readable run state at ${paths.json}`, { cause: err });
  }
  for (const [key, value] of Object.entries(expected)) {
    const saved = (state.training as Record<string, unknown>)[key];
    if (saved !== value) {
      throw new RangeError(
        `cannot resume: the run in ${outDir} used ${key} = ${JSON.stringify(saved)}, this config has ${JSON.stringify(value)}`,
      );
    }
  }
  const [w, m, v] = await Promise.all([paths.last, paths.m, paths.v].map((p) => loadCheckpoint(p)));
  for (const c of [w, m, v]) {
    if (c.metadata.step !== state.step) {
      throw new Error(
        `run state in ${outDir} is inconsistent (a save was interrupted); delete it to restart`,
      );
    }
    if (c.tokenizerIdentity !== draft.tokenizerIdentity.toLowerCase()) {
      throw new Error(`cannot resume: the saved draft in ${outDir} uses another tokenizer`);
    }
    if (!sameConfig(c.config, draft.config)) {
      throw new Error(`cannot resume: the saved draft in ${outDir} has another architecture`);
    }
  }
  return { state, trainer: { step: state.step, weights: w.weights, m: m.weights, v: v.weights } };
}

async function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  const tmp = `${path}.tmp-${randomBytes(8).toString("hex")}`;
  try {
    const handle = await open(tmp, "wx", 0o644);
    try {
      await handle.writeFile(`${JSON.stringify(value, null, 2)}\n`);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tmp, path);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
}
