import type { ModelConfig } from "../../src/index.js";

/** A one-layer student small enough to train in a unit test. */
export const STUDENT_CONFIG: ModelConfig = {
  name: "student",
  vocabSize: 53,
  contextLength: 16,
  layers: 1,
  heads: 2,
  width: 16,
  ffnHidden: 24,
  ropeTheta: 10000,
  normEps: 1e-5,
};
