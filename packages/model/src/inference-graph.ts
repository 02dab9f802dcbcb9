import { GraphBuilder, serializeModel, type Value } from "@distillspec/graph";
import { headSize, type ModelConfig } from "./config.js";
import { rotaryTables } from "./rotary.js";
import { buildForward } from "./transformer-graph.js";
import { type Weights, weightSpecs } from "./weight-spec.js";

// The inference graph: extend a KV cache by `new` tokens and return logits for every new position.
// Inputs:  ids, positions int64 [batch, new]; mask float [batch, 1, new, past+new];
//          past_keys_<l>, past_values_<l> float [batch, past, width]
// Outputs: logits [batch, new, vocab]; new_keys_<l>, new_values_<l> [batch, new, width]

export function buildInferenceModel(config: ModelConfig, weights: Weights): Uint8Array {
  const b = new GraphBuilder();
  const ids = b.input("ids", "int64", ["batch", "new"]);
  const positions = b.input("positions", "int64", ["batch", "new"]);
  const mask = b.input("mask", "float32", ["batch", 1, "new", "total"]);
  const past = Array.from({ length: config.layers }, (_, l) => ({
    keys: b.input(`past_keys_${l}`, "float32", ["batch", "past", config.width]),
    values: b.input(`past_values_${l}`, "float32", ["batch", "past", config.width]),
  }));

  const weightValues = new Map<string, Value>();
  for (const spec of weightSpecs(config)) {
    const data = weights.get(spec.name);
    if (!data) throw new Error(`missing weight ${spec.name}`);
    weightValues.set(spec.name, b.initializer(spec.name, "float32", spec.shape, data));
  }
  const half = headSize(config) / 2;
  const tables = rotaryTables(config);
  const cosTable = b.initializer("rotary_cos", "float32", [config.contextLength, half], tables.cos);
  const sinTable = b.initializer("rotary_sin", "float32", [config.contextLength, half], tables.sin);
  const cos = b.unsqueeze(b.gather(cosTable, positions), [2]); // [batch, new, 1, half]
  const sin = b.unsqueeze(b.gather(sinTable, positions), [2]);

  const out = buildForward(b, config, (name) => weightValues.get(name)!, { ids, cos, sin, mask, past });
  b.output(out.logits, "logits");
  out.newKeys.forEach((k, l) => {
    b.output(k, `new_keys_${l}`);
  });
  out.newValues.forEach((v, l) => {
    b.output(v, `new_values_${l}`);
  });
  return serializeModel(b, `${config.name}-inference`);
}
