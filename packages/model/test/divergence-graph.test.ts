import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { createRng } from "@distillspec/core";
import fkl from "@distillspec/divergence-fkl";
import jsd from "@distillspec/divergence-jsd";
import rkl from "@distillspec/divergence-rkl";
import tvd from "@distillspec/divergence-tvd";
import {
  createSession,
  doubleTensor,
  floatTensor,
  GraphBuilder,
  gradients,
  serializeModel,
} from "@distillspec/graph";
import {
  type DivergenceDefinition,
  evaluateDivergence,
  validatePluginDefinition,
} from "@distillspec/plugin-api";
import { beforeAll, describe, expect, it } from "vitest";
import { checkGradients, weightedSum } from "../../graph/test/gradient-check.js";
import { graphDivergence, initWeights, Trainer, weightSpecs } from "../src/index.js";
import { STUDENT_CONFIG } from "./support/student-config.js";

// Plugin divergences as the training loss: the graph backend of TensorOps must agree with the float64 eager
// backend, autodiff through it must match finite differences, and training on it must lower it.

const here = dirname(fileURLToPath(import.meta.url));
const hellingerUrl = pathToFileURL(join(here, "../../../test-fixtures/third-party-plugin/index.js")).href;

const N = 6;
const V = 7;

/** N distributions over V tokens; row r has r % 3 exact zeros (row 0 none). */
function teacherRows(seed: number): number[][] {
  const rng = createRng(seed);
  return Array.from({ length: N }, (_, r) => {
    const row = Array.from({ length: V }, (_, v) => (v < r % 3 ? 0 : rng.uniform() + 0.05));
    const z = row.reduce((a, b) => a + b, 0);
    return row.map((x) => x / z);
  });
}

function studentLogits(seed: number, scale = 1.5): number[][] {
  const rng = createRng(seed);
  return Array.from({ length: N }, () => Array.from({ length: V }, () => rng.normal() * scale));
}

function softmax(row: number[]): number[] {
  const max = Math.max(...row);
  const e = row.map((x) => Math.exp(x - max));
  const z = e.reduce((a, b) => a + b, 0);
  return e.map((x) => x / z);
}

/** The divergence per row, through a float64 ONNX graph built with graphDivergence. */
async function graphValues(definition: DivergenceDefinition, p: number[][], logits: number[][]) {
  const b = new GraphBuilder();
  const pIn = b.input("p", "float64", [N, V]);
  const logitsIn = b.input("logits", "float64", [N, V]);
  const out = graphDivergence(definition.create({}))(b, pIn, b.logSoftmax(logitsIn, -1));
  expect(out.shape).toEqual([N]);
  b.output(out, "d");
  const session = await createSession(serializeModel(b), { optimize: false });
  const result = await session.run({
    p: doubleTensor(Float64Array.from(p.flat()), [N, V]),
    logits: doubleTensor(Float64Array.from(logits.flat()), [N, V]),
  });
  await session.release();
  return Array.from(result.d.data as Float64Array);
}

const definitions: DivergenceDefinition[] = [fkl, rkl, jsd, tvd];

beforeAll(async () => {
  // The third-party example (plain JS, no imports) goes through the same adapter.
  const module = (await import(hellingerUrl)) as { default: unknown };
  definitions.push(validatePluginDefinition(module.default, "hellinger") as DivergenceDefinition);
});

describe("plugin divergences in the training graph", () => {
  it("graph values equal the float64 eager values, including exact zeros in p", async () => {
    const p = teacherRows(1);
    const logits = studentLogits(2);
    const q = logits.map(softmax);
    for (const definition of definitions) {
      const graph = await graphValues(definition, p, logits);
      const divergence = definition.create({});
      let eager = evaluateDivergence(divergence, p, q);
      if (definition.id === "rkl") {
        // KL(q ‖ p) is ∞ where p = 0 < q; the graph floors p at 1e-30 (a large finite penalty instead).
        expect(eager.map((x, i) => (i % 3 === 0 ? x < Infinity : x === Infinity))).not.toContain(false);
        eager = evaluateDivergence(
          divergence,
          p.map((row) => row.map((x) => Math.max(x, 1e-30))),
          q,
        );
      }
      graph.forEach((value, i) => {
        expect(Math.abs(value - eager[i]), `${definition.id} row ${i}`).toBeLessThan(1e-9);
      });
    }
  });

  it("gradients w.r.t. the student logits match central finite differences", async () => {
    const p = teacherRows(3);
    const logits = studentLogits(4);
    const q = logits.map(softmax);
    // TVD (|p − q|) has kinks at p = q: make sure no coordinate is within reach of the FD step.
    const gap = Math.min(...p.flatMap((row, i) => row.map((x, v) => Math.abs(x - q[i][v]))));
    expect(gap).toBeGreaterThan(1e-4);
    for (const definition of definitions) {
      const divergence = graphDivergence(definition.create({}));
      const { maxRelError } = await checkGradients([{ shape: [N, V], data: logits.flat() }], (b, [x]) => {
        const pConst = b.constant(p.flat(), [N, V], "float64");
        return weightedSum(b, divergence(b, pConst, b.logSoftmax(x, -1)));
      });
      expect(maxRelError, definition.id).toBeLessThan(1e-6);
    }
  });

  it("gradients stay finite in float32 where the student's probabilities underflow to 0", async () => {
    const p = teacherRows(5);
    // Column 0 is 200 nats below the rest: exp underflows in float32, and rows 1, 2, 4, 5 have p = 0 there.
    const logits = studentLogits(6).map((row) => row.map((x, v) => (v === 0 ? x - 200 : x)));
    for (const definition of definitions) {
      const b = new GraphBuilder();
      const x = b.input("logits", "float32", [N, V]);
      const pConst = b.constant(p.flat(), [N, V], "float32");
      const d = graphDivergence(definition.create({}))(b, pConst, b.logSoftmax(x, -1));
      const [grad] = gradients(b, b.sumAll(d), [x]);
      b.output(grad, "grad");
      b.output(d, "d");
      const session = await createSession(serializeModel(b), { optimize: false });
      const result = await session.run({ logits: floatTensor(Float32Array.from(logits.flat()), [N, V]) });
      await session.release();
      const values = [...(result.grad.data as Float32Array), ...(result.d.data as Float32Array)];
      expect(values.every(Number.isFinite), definition.id).toBe(true);
    }
  });

  it("a Trainer with a plugin divergence as the loss lowers that divergence", async () => {
    const config = STUDENT_CONFIG;
    const weights = initWeights(config, 3);
    for (const spec of weightSpecs(config)) {
      if (spec.init !== "normal") continue;
      const w = weights.get(spec.name)!;
      for (let i = 0; i < w.length; i++) w[i] *= 5;
    }
    const seqLen = 8;
    const ids = Array.from({ length: 2 * seqLen }, (_, i) => (i * 11 + 2) % config.vocabSize);
    // A peaked teacher with exact zeros elsewhere.
    const teacher = new Float32Array(2 * seqLen * config.vocabSize);
    for (let pos = 0; pos < 2 * seqLen; pos++) {
      const base = pos * config.vocabSize;
      teacher[base + ((pos * 5) % config.vocabSize)] = 0.7;
      teacher[base + ((pos * 5 + 1) % config.vocabSize)] = 0.3;
    }
    const lossMask = new Float32Array(2 * seqLen).fill(1);
    const batch = { ids, targets: ids, lossMask, teacherProbs: teacher };
    for (const definition of definitions) {
      const trainer = await Trainer.create(config, weights, {
        batch: 2,
        seqLen,
        loss: { kind: "distillation", divergence: graphDivergence(definition.create({})), temperature: 1 },
      });
      const before = await trainer.evaluate(batch);
      for (let i = 0; i < 20; i++) await trainer.trainStep(batch, 1e-2);
      const after = await trainer.evaluate(batch);
      await trainer.release();
      expect(Number.isFinite(before), definition.id).toBe(true);
      expect(after, `${definition.id}: ${before} → ${after}`).toBeLessThan(before * 0.6);
    }
  });
});
