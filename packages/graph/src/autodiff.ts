import { createGradientRules } from "./gradient-rules.js";
import type { GraphBuilder, Value } from "./graph-builder.js";
import { formatShape } from "./shape.js";

// Reverse-mode automatic differentiation over the builder's recorded nodes. Nodes are appended in
// topological order, so walking them backwards visits every consumer before its producers.

export class AutodiffError extends Error {
  override name = "AutodiffError";
}

/** Appends the gradient graph of scalar `loss` with respect to each of `wrt`; returns the gradients. */
export function gradients(b: GraphBuilder, loss: Value, wrt: readonly Value[]): Value[] {
  if (loss.shape.length !== 0)
    throw new AutodiffError(`loss must be a scalar, got shape ${formatShape(loss.shape)}`);
  const constants = new Map(b.initializers.map((c) => [c.value.name, c.data]));
  const rules = createGradientRules((value) => {
    const data = constants.get(value.name);
    if (!data) throw new AutodiffError(`${value.name} must be a constant for differentiation`);
    return Array.from(data as ArrayLike<number | bigint>, (v) => Number(v));
  });

  // Values that depend on some `wrt`: only those need gradients.
  const needs = new Set(wrt.map((v) => v.name));
  const forwardNodes = [...b.nodes];
  for (const node of forwardNodes) {
    if (node.inputs.some((v) => needs.has(v.name))) for (const out of node.outputs) needs.add(out.name);
  }
  if (!needs.has(loss.name)) throw new AutodiffError("loss does not depend on any of the requested values");

  const contributions = new Map<string, Value[]>([[loss.name, [b.scalarLike(1, loss)]]]);
  const total = (value: Value): Value | null => {
    const parts = contributions.get(value.name);
    if (!parts || parts.length === 0) return null;
    const sum = parts.reduce((acc, p) => b.add(acc, p));
    contributions.set(value.name, [sum]);
    return sum;
  };

  for (let i = forwardNodes.length - 1; i >= 0; i--) {
    const node = forwardNodes[i];
    if (!node.inputs.some((v) => needs.has(v.name))) continue;
    const outputGrads = node.outputs.map(total);
    if (outputGrads.every((g) => g === null)) continue;
    const rule = rules.get(node.opType);
    if (!rule) throw new AutodiffError(`no gradient rule for op ${node.opType}`);
    const inputGrads = rule(b, node, outputGrads);
    node.inputs.forEach((input, k) => {
      const g = inputGrads[k];
      if (!g || !needs.has(input.name)) return;
      const list = contributions.get(input.name) ?? [];
      list.push(g);
      contributions.set(input.name, list);
    });
  }
  return wrt.map((v) => total(v) ?? b.zerosLike(v));
}
