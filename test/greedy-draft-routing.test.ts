import type { MessageInitShape } from "@bufbuild/protobuf";
import { connectReplicas } from "@distillspec/controller";
import { createServer, Status } from "@distillspec/grpc";
import { DecodingMode, type GenerateRequestSchema } from "@distillspec/proto";
import { DraftProposer } from "@distillspec/serving";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { draftProposerService } from "../services/draft-proposer/src/draft-proposer-service.js";
import { type ServingStack, startServingStack } from "./support/serving-stack.js";

// A controller with a second draft pool for greedy decoding: temperature-0 requests use it, sampled ones the
// default pool. The greedy "draft" here is the target itself, so routing shows in α: it accepts everything.

let stack: ServingStack;
beforeAll(async () => {
  stack = await startServingStack({ draftNoise: 0.5, greedyDraft: (target) => target });
});
afterAll(async () => {
  await stack.close();
});

type Request = MessageInitShape<typeof GenerateRequestSchema>;

async function run(request: Request) {
  const ids: number[] = [];
  let alpha = Number.NaN;
  for await (const message of stack.controller.generate(request)) {
    if (message.event.case === "delta") ids.push(...message.event.value.tokenIds);
    else if (message.event.case === "stats") alpha = message.event.value.alpha;
  }
  return { ids, alpha };
}

const prompt = { case: "text" as const, value: "The people of the" };

describe("greedy draft pool", () => {
  it("serves temperature-0 requests, losslessly; sampled requests keep the default draft", async () => {
    const greedy = await run({ prompt, maxNewTokens: 32, gamma: 4 });
    const reference = await run({ prompt, maxNewTokens: 32, gamma: 4, mode: DecodingMode.TARGET_ONLY });
    expect(greedy.ids).toEqual(reference.ids);
    expect(greedy.alpha).toBeGreaterThan(0.95);
    const sampled = await run({ prompt, maxNewTokens: 32, gamma: 4, sampling: { temperature: 1, seed: 3n } });
    expect(sampled.alpha).toBeLessThan(0.9);
  });

  it("is reported by Topology", async () => {
    const topology = await stack.controller.topology({});
    expect(topology.greedyDraftAddresses).toHaveLength(1);
    expect(topology.greedyDraftAddresses[0]).not.toBe(topology.draftAddresses[0]);
    expect(topology.greedyDraft?.parameterCount).toBe(topology.target?.parameterCount);
  });

  it("must share the controller's tokenizer, like every replica", async () => {
    const topology = await stack.controller.topology({});
    const foreign = await DraftProposer.create({ ...stack.target, tokenizerIdentity: "another-tokenizer" });
    const server = createServer({ name: "draft-proposer", services: [draftProposerService(foreign)] });
    try {
      const address = `127.0.0.1:${await server.listen("127.0.0.1:0")}`;
      const connecting = connectReplicas(topology.targetAddresses, topology.draftAddresses, stack.tokenizer, {
        timeoutMs: 5_000,
        greedyDraftAddresses: [address],
      });
      await expect(connecting).rejects.toMatchObject({ code: Status.FAILED_PRECONDITION });
      await expect(connecting).rejects.toThrow(new RegExp(`tokenizer mismatch: ${address}`));
    } finally {
      await server.shutdown(1000);
      await foreign.close();
    }
  });
});
