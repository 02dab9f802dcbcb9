import { createPluginHost } from "@distillspec/plugin-api";
import { describe, expect, it } from "vitest";
import { DATA_GENERATOR_IDS, DIVERGENCE_IDS, defaultGeneratorOptions } from "../src/builtin-plugins.js";
import { GREEDY_DISTILLATION_TEMPERATURE } from "../src/distillation-config.js";

describe("built-in plugins", () => {
  it("every built-in generator accepts its default options, greedy runs included", async () => {
    const host = createPluginHost({
      allow: [
        ...DATA_GENERATOR_IDS.map((id) => `@distillspec/data-generator-${id}`),
        ...DIVERGENCE_IDS.map((id) => `@distillspec/divergence-${id}`),
      ],
    });
    for (const id of DATA_GENERATOR_IDS) {
      await host.load(`@distillspec/data-generator-${id}`);
      for (const temperature of [0, 1]) {
        const options = defaultGeneratorOptions(id, { maxNewTokens: 48, temperature });
        expect(host.create("data-generator", id, options)).toMatchObject({ id });
      }
    }
    expect(defaultGeneratorOptions("on-policy", { maxNewTokens: 48, temperature: 0 })).toEqual({
      maxNewTokens: 48,
      temperature: GREEDY_DISTILLATION_TEMPERATURE,
    });
    for (const id of DIVERGENCE_IDS) await host.load(`@distillspec/divergence-${id}`);
    expect(
      host
        .list()
        .map((p) => p.id)
        .sort(),
    ).toEqual([...DATA_GENERATOR_IDS, ...DIVERGENCE_IDS].sort());
  });
});
