import {
  type AdamWOptions,
  adamw,
  GraphBuilder,
  gradients,
  serializeModel,
  type Value,
} from "@distillspec/graph";
import { headSize, type ModelConfig, validateConfig } from "./config.js";
import { rotaryTables } from "./rotary.js";
import { buildForward } from "./transformer-graph.js";
import { weightSpecs } from "./weight-spec.js";

// One ONNX graph per training step: forward, loss, backward (autodiff) and the AdamW update.
// onnxruntime-node has no training API, so parameters and moments go in as inputs and come back out.
// Inputs:  ids, targets int64 [batch, seq]; loss_mask float [batch, seq]; lr, step float [];
//          <param>, m.<param>, v.<param>; teacher_probs float [batch, seq, vocab] (distillation only)
// Outputs: loss, grad_norm []; new.<param>, new_m.<param>, new_v.<param>

/**
 * A per-position loss between teacher probabilities p and the student, built in the graph.
 * Given p [batch, seq, vocab] and the student's log-probabilities at the decoding temperature, it returns
 * [batch, seq] divergences D(p ‖ q).
 */
export type GraphDivergence = (b: GraphBuilder, teacherProbs: Value, studentLogProbs: Value) => Value;

export type TrainingLoss =
  | { kind: "cross-entropy" }
  | { kind: "distillation"; divergence: GraphDivergence; temperature: number };

export interface TrainingGraphOptions {
  batch: number;
  seqLen: number;
  loss: TrainingLoss;
  optimizer?: AdamWOptions;
}

/** Forward KL Σ p (log p − log q), with 0·log 0 = 0: the default distillation divergence. */
export const forwardKlGraph: GraphDivergence = (b, p, logQ) => {
  const zero = b.scalarLike(0, p);
  const logP = b.log(b.max(p, b.scalarLike(1e-30, p)));
  const terms = b.where(b.greater(p, zero), b.mul(p, b.sub(logP, logQ)), zero);
  return b.reduceSum(terms, [-1], false);
};

export function buildTrainingModel(config: ModelConfig, options: TrainingGraphOptions): Uint8Array {
  validateConfig(config);
  const { batch, seqLen, loss } = options;
  if (seqLen > config.contextLength) {
    throw new RangeError(
      `training sequence length ${seqLen} exceeds the context length ${config.contextLength}`,
    );
  }
  const b = new GraphBuilder();
  const ids = b.input("ids", "int64", [batch, seqLen]);
  const targets = b.input("targets", "int64", [batch, seqLen]);
  const lossMask = b.input("loss_mask", "float32", [batch, seqLen]);
  const lr = b.input("lr", "float32", []);
  const step = b.input("step", "float32", []);
  const teacher =
    loss.kind === "distillation"
      ? b.input("teacher_probs", "float32", [batch, seqLen, config.vocabSize])
      : null;
  const specs = weightSpecs(config);
  const params = specs.map((s) => b.input(s.name, "float32", s.shape));
  const byName = new Map(params.map((p) => [p.name, p]));

  // Positions 0..seq−1 are the same for every row: constant rotary tables and causal mask.
  const half = headSize(config) / 2;
  const tables = rotaryTables(config);
  const cos = b.constant(Array.from(tables.cos.subarray(0, seqLen * half)), [1, seqLen, 1, half]);
  const sin = b.constant(Array.from(tables.sin.subarray(0, seqLen * half)), [1, seqLen, 1, half]);
  const causal = Array.from({ length: seqLen * seqLen }, (_, i) =>
    i % seqLen <= Math.floor(i / seqLen) ? 0 : -1e9,
  );
  const mask = b.constant(causal, [seqLen, seqLen]);

  const { logits } = buildForward(b, config, (name) => byName.get(name)!, { ids, cos, sin, mask }); // [batch, seq, vocab]

  let perPosition: Value; // [batch, seq]
  if (loss.kind === "cross-entropy") {
    const logProbs = b.logSoftmax(logits, -1);
    const vocabRange = b.constant(
      Array.from({ length: config.vocabSize }, (_, i) => i),
      [config.vocabSize],
      "int64",
    );
    const oneHot = b.cast(b.equal(b.unsqueeze(targets, [-1]), vocabRange), "float32"); // [batch, seq, vocab]
    perPosition = b.neg(b.reduceSum(b.mul(oneHot, logProbs), [-1], false));
  } else {
    const scaled = b.div(logits, b.scalarLike(loss.temperature, logits));
    perPosition = loss.divergence(b, teacher!, b.logSoftmax(scaled, -1));
  }
  const maskSum = b.max(b.sumAll(lossMask), b.scalarLike(1, lossMask));
  const lossValue = b.div(b.sumAll(b.mul(perPosition, lossMask)), maskSum);

  const grads = gradients(b, lossValue, params);
  const update = adamw(b, params, grads, lr, step, options.optimizer);
  b.output(lossValue, "loss");
  b.output(update.gradNorm, "grad_norm");
  params.forEach((p, i) => {
    b.output(update.newParams[i], `new.${p.name}`);
    b.output(update.newM[i], `new_m.${p.name}`);
    b.output(update.newV[i], `new_v.${p.name}`);
  });
  return serializeModel(b, `${config.name}-train`);
}
