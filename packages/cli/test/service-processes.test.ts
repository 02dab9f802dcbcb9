import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createClient } from "@distillspec/grpc";
import {
  ControllerService,
  DecodingMode,
  Health,
  HealthCheckResponse_ServingStatus as ServingStatus,
} from "@distillspec/proto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { liveServiceProcessCount, startServiceProcesses } from "../src/service-processes.js";
import { writeTinyModelsDir } from "./tiny-models.js";

// The three services as real child processes, with tiny checkpoints written to a temp dir.

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "distillspec-services-"));
  await writeTinyModelsDir(dir, {
    "target.ckpt": { name: "tiny-target", seed: 1 },
    "draft.ckpt": { name: "tiny-draft", seed: 2 },
  });
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe("startServiceProcesses", () => {
  it("starts the three services as processes, serves Generate, and stops them all", async () => {
    const services = await startServiceProcesses({ modelsDir: dir, readyTimeoutMs: 60_000 });
    const { addresses, pids } = services;
    const allPids = [pids.controller, ...pids.targets, ...pids.drafts];
    try {
      expect(addresses.targets).toHaveLength(1);
      expect(addresses.drafts).toHaveLength(1);
      expect(new Set(allPids).size).toBe(3);
      expect(allPids.every(isRunning)).toBe(true);
      for (const address of [addresses.controller, ...addresses.targets, ...addresses.drafts]) {
        const health = createClient(Health, address);
        expect((await health.check({ service: "" })).status).toBe(ServingStatus.SERVING);
        health.$close();
      }

      const controller = createClient(ControllerService, addresses.controller);
      const topology = await controller.topology({});
      expect(topology.targetAddresses).toEqual(addresses.targets);
      expect(topology.target?.name).toBe("tiny-target");
      expect(topology.draft?.name).toBe("tiny-draft");
      const run = async (mode: DecodingMode) => {
        const ids: number[] = [];
        let finish = "";
        for await (const m of controller.generate({
          prompt: { case: "text", value: "The people of the" },
          maxNewTokens: 10,
          gamma: 3,
          mode,
        })) {
          if (m.event.case === "delta") ids.push(...m.event.value.tokenIds);
          else if (m.event.case === "stats") finish = m.event.value.finishReason;
        }
        return { ids, finish };
      };
      const speculative = await run(DecodingMode.SPECULATIVE);
      const targetOnly = await run(DecodingMode.TARGET_ONLY);
      controller.$close();
      expect(speculative.ids).toHaveLength(10);
      expect(speculative.finish).toBe("length");
      expect(speculative.ids.every((t) => Number.isInteger(t) && t >= 0 && t < 300)).toBe(true);
      // Greedy speculative decoding is lossless: the same tokens as the target alone.
      expect(speculative.ids).toEqual(targetOnly.ids);
    } finally {
      await services.stop();
    }
    expect(allPids.some(isRunning)).toBe(false);
    expect(liveServiceProcessCount()).toBe(0);
    // Idempotent.
    await services.stop();
  });

  it("names a missing checkpoint before starting anything", async () => {
    await expect(
      startServiceProcesses({ modelsDir: dir, targetCheckpoint: join(dir, "missing.ckpt") }),
    ).rejects.toThrow(/target checkpoint .*missing\.ckpt does not exist/);
    expect(liveServiceProcessCount()).toBe(0);
  });

  it("reports a service that exits before listening, with its stderr, and stops the others", async () => {
    const broken = join(dir, "broken.ckpt");
    await writeFile(broken, "not a checkpoint");
    const error = await startServiceProcesses({
      modelsDir: dir,
      targetCheckpoint: broken,
      readyTimeoutMs: 60_000,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    const message = (error as Error).message;
    expect(message).toMatch(/target-verifier exited before listening \(code 1/);
    expect(message).toContain("--- target-verifier stderr ---");
    expect(message).toContain("broken.ckpt");
    expect(liveServiceProcessCount()).toBe(0);
  });
});
