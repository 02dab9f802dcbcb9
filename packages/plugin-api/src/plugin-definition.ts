import type { AcceptanceRule } from "@distillspec/core";
import type { TensorOps } from "./tensor-ops.js";

// The plugin contract. A plugin package default-exports ONE definition made with defineDivergence,
// defineDataGenerator or defineAcceptanceRule. The host loads it by package name, checks apiVersion,
// validates options with `create`, and refuses duplicate ids.

/** The plugin API version this host implements. A plugin declares the version it was written for. */
export const PLUGIN_API_VERSION = 1;

export interface PluginMeta {
  /** npm package name, e.g. "@acme/distillspec-divergence-alpha". */
  name: string;
  version: string;
  apiVersion: number;
}

export type PluginKind = "divergence" | "data-generator" | "acceptance-rule";

interface PluginDefinitionBase<K extends PluginKind, Instance> {
  meta: PluginMeta;
  kind: K;
  /** Short id used in job and request configs, e.g. "fkl", "on-policy", "lenience". */
  id: string;
  /** Validates `options` (throw RangeError with a clear message) and builds the instance. */
  create(options: unknown): Instance;
}

/**
 * A divergence D(p ‖ q) at one position, written once over TensorOps so the same code builds the loss in
 * the ONNX training graph (autodiff gives the gradient) and evaluates eagerly in float64.
 * `p` and `q` are [..., vocab] probabilities, `logP`/`logQ` their logs (−∞-safe: use `ops.xlogy`-style
 * helpers for 0·log 0). Returns [...] (the vocabulary axis reduced).
 */
export interface Divergence {
  id: string;
  compute<T>(ops: TensorOps<T>, args: { p: T; q: T; logP: T; logQ: T }): T;
}

/** One training example: the prompt and the continuation the divergence is computed on. */
export interface DistillationExample {
  prompt: number[];
  continuation: number[];
}

/** What a data generator can use: the services (through the distiller) and the datasets. */
export interface DataGeneratorContext {
  /** Continuations sampled from the target (teacher data). */
  sampleTarget(
    prompts: number[][],
    maxNewTokens: number,
    temperature: number,
    seed: bigint,
  ): Promise<number[][]>;
  /** Continuations sampled from the current draft (on-policy data). */
  sampleDraft(
    prompts: number[][],
    maxNewTokens: number,
    temperature: number,
    seed: bigint,
  ): Promise<number[][]>;
  /** Ground-truth examples from the task's dataset (fixed data). */
  datasetExamples(count: number, seed: bigint): Promise<DistillationExample[]>;
  /** Prompts from the task's dataset. */
  prompts(count: number, seed: bigint): Promise<number[][]>;
}

export interface DataGenerator {
  id: string;
  /** Yields batches forever (the distiller takes as many as it needs). */
  batches(
    context: DataGeneratorContext,
    batchSize: number,
    seed: bigint,
  ): AsyncIterable<DistillationExample[]>;
}

export type DivergenceDefinition = PluginDefinitionBase<"divergence", Divergence>;
export type DataGeneratorDefinition = PluginDefinitionBase<"data-generator", DataGenerator>;
export type AcceptanceRuleDefinition = PluginDefinitionBase<"acceptance-rule", AcceptanceRule>;
export type PluginDefinition = DivergenceDefinition | DataGeneratorDefinition | AcceptanceRuleDefinition;

type WithoutKind<D> = Omit<D, "kind">;

export function defineDivergence(definition: WithoutKind<DivergenceDefinition>): DivergenceDefinition {
  return { ...definition, kind: "divergence" };
}

export function defineDataGenerator(
  definition: WithoutKind<DataGeneratorDefinition>,
): DataGeneratorDefinition {
  return { ...definition, kind: "data-generator" };
}

export function defineAcceptanceRule(
  definition: WithoutKind<AcceptanceRuleDefinition>,
): AcceptanceRuleDefinition {
  return { ...definition, kind: "acceptance-rule" };
}
