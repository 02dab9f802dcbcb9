import { decodeProbs, TargetVerifierService } from "@distillspec/proto";
import { afterEach, describe, expect, it } from "vitest";
import { createServer } from "../src/index.js";
import { fakeTargetVerifier, type Harness, startTarget } from "./fixtures.js";

describe("unary and server-streaming calls over loopback", () => {
  let harness: Harness | undefined;
  afterEach(async () => {
    await harness?.close();
    harness = undefined;
  });

  it("answers a unary call with a typed response", async () => {
    harness = await startTarget();
    const info = await harness.client.info({});
    expect(info.$typeName).toBe("distillspec.v1.TargetVerifierServiceInfoResponse");
    expect(info.model?.name).toBe("fake-target");
    expect(info.model?.parameterCount).toBe(123n);
    expect(info.limits?.maxGamma).toBe(8);
    expect(info.activeSessions).toBe(1);
  });

  it("carries float32 distributions as bytes", async () => {
    harness = await startTarget();
    const response = await harness.client.score({ sessionId: "s1", tokens: [3, 1] });
    expect(response.distributions.map((d) => [...decodeProbs(d.probs)])).toEqual([
      [3, 0.5, 0.25, 0.125],
      [1, 0.5, 0.25, 0.125],
    ]);
  });

  it("streams every response of a server-streaming call, in order", async () => {
    harness = await startTarget();
    const received: number[] = [];
    for await (const response of harness.client.generate({ promptTokens: [1, 2], maxNewTokens: 5 })) {
      received.push(...response.tokenIds);
    }
    expect(received).toEqual([2, 3, 4, 5, 6]);
  });

  it("hands request metadata to the handler", async () => {
    let seen: string[] = [];
    harness = await startTarget({
      release: (_request, context) => {
        seen = context.metadata.get("x-request-id").map(String);
        return {};
      },
    });
    await harness.client.release({ sessionId: "s1" }, { metadata: { "x-request-id": "abc-1" } });
    expect(seen).toEqual(["abc-1"]);
  });

  it("serves many concurrent calls", async () => {
    harness = await startTarget();
    const client = harness.client;
    const lengths = await Promise.all(
      Array.from({ length: 50 }, (_, i) => client.truncate({ sessionId: "s", length: i })),
    );
    expect(lengths.map((r) => r.length)).toEqual(Array.from({ length: 50 }, (_, i) => i));
  });

  it("type-checks inline handlers against their methods", () => {
    // Compiled, never run: tsc fails the build if the wrong response shape is accepted.
    const build = () =>
      createServer({
        name: "typed",
        services: [
          {
            service: TargetVerifierService,
            implementation: {
              ...fakeTargetVerifier(),
              truncate: (request) => ({ length: request.length + 1 }),
              // @ts-expect-error Release answers with an empty message, not a session id.
              release: () => ({ sessionId: "x" }),
            },
          },
        ],
      });
    expect(typeof build).toBe("function");
  });
});
