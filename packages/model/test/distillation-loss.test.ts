import { describe, expect, it } from "vitest";
import { forwardKlGraph, initWeights, referenceForward, Trainer, weightSpecs } from "../src/index.js";
import { STUDENT_CONFIG } from "./support/student-config.js";

// The distillation variant of the training graph: teacher probabilities in, D(p ‖ q_T) out.

const config = STUDENT_CONFIG;

function softmax(row: ArrayLike<number>, temperature: number): Float64Array {
  const scaled = Float64Array.from(row, (x) => x / temperature);
  const max = Math.max(...scaled);
  const e = scaled.map((x) => Math.exp(x - max));
  const z = e.reduce((a, b) => a + b, 0);
  return e.map((x) => x / z);
}

describe("distillation training graph", () => {
  it("computes masked forward KL at the decoding temperature and training reduces it", async () => {
    const weights = initWeights(config, 3);
    for (const spec of weightSpecs(config)) {
      if (spec.init !== "normal") continue;
      const w = weights.get(spec.name)!;
      for (let i = 0; i < w.length; i++) w[i] *= 5;
    }
    const seqLen = 8;
    const ids = Array.from({ length: 2 * seqLen }, (_, i) => (i * 11 + 2) % config.vocabSize);
    const temperature = 0.7;
    // Teacher: a peaked distribution with some exact zeros (0·log 0 must count as 0).
    const teacher = new Float32Array(2 * seqLen * config.vocabSize);
    for (let pos = 0; pos < 2 * seqLen; pos++) {
      const base = pos * config.vocabSize;
      teacher[base + ((pos * 5) % config.vocabSize)] = 0.7;
      teacher[base + ((pos * 5 + 1) % config.vocabSize)] = 0.3;
    }
    const lossMask = Float32Array.from({ length: 2 * seqLen }, (_, i) => (i % seqLen === 0 ? 0 : 1));
    let expected = 0;
    let counted = 0;
    for (let row = 0; row < 2; row++) {
      const logits = referenceForward(config, weights, ids.slice(row * seqLen, (row + 1) * seqLen));
      logits.forEach((l, t) => {
        const pos = row * seqLen + t;
        if (lossMask[pos] === 0) return;
        const q = softmax(l, temperature);
        let kl = 0;
        for (let v = 0; v < config.vocabSize; v++) {
          const p = teacher[pos * config.vocabSize + v];
          if (p > 0) kl += p * (Math.log(p) - Math.log(q[v]));
        }
        expected += kl;
        counted++;
      });
    }
    expected /= counted;

    const trainer = await Trainer.create(config, weights, {
      batch: 2,
      seqLen,
      loss: { kind: "distillation", divergence: forwardKlGraph, temperature },
    });
    const batch = { ids, targets: ids, lossMask, teacherProbs: teacher };
    const before = await trainer.evaluate(batch);
    expect(Math.abs(before - expected) / expected).toBeLessThan(1e-4);
    for (let i = 0; i < 10; i++) await trainer.trainStep(batch, 1e-2);
    expect(await trainer.evaluate(batch)).toBeLessThan(before * 0.7);
    await expect(trainer.trainStep({ ids, targets: ids, lossMask }, 1e-2)).rejects.toThrow(
      /teacher probabilities/,
    );
    await trainer.release();
  });
});
