import { growDepth, loadCheckpoint, parameterCount, saveCheckpoint } from "@distillspec/model";

// `distillspec grow`: a deeper copy of a trained checkpoint that computes the same logits, recorded as such
// in its metadata, for `pretrain --init` to train further.

export interface GrowOptions {
  from: string;
  layers: number;
  out: string;
  seed: number;
  log?: (line: string) => void;
}

export async function growCommand(options: GrowOptions): Promise<void> {
  const log = options.log ?? ((line: string) => console.log(line));
  const source = await loadCheckpoint(options.from);
  const grown = growDepth(source.config, source.weights, options.layers, options.seed);
  await saveCheckpoint(options.out, {
    config: grown.config,
    tokenizerIdentity: source.tokenizerIdentity,
    weights: grown.weights,
    metadata: {
      grownFrom: {
        path: options.from,
        layers: source.config.layers,
        parameters: parameterCount(source.config),
        metadata: source.metadata,
      },
      layerOrigin: grown.origin,
      seed: options.seed,
    },
  });
  log(
    `${options.from}: ${source.config.layers} → ${options.layers} layers, ` +
      `${parameterCount(source.config).toLocaleString()} → ${parameterCount(grown.config).toLocaleString()} parameters → ${options.out}`,
  );
}
