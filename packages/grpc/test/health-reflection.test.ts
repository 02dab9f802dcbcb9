import { createRequire } from "node:module";
import { Health } from "@distillspec/proto";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { afterEach, describe, expect, it } from "vitest";
import { createClient, ServiceError, ServingStatus, Status } from "../src/index.js";
import { deferred, type Harness, startTarget } from "./fixtures.js";

const TARGET = "distillspec.v1.TargetVerifierService";

describe("grpc.health.v1", () => {
  let harness: Harness | undefined;
  afterEach(async () => {
    await harness?.close();
    harness = undefined;
  });

  it("reports SERVING for the server and each service, NOT_FOUND for others", async () => {
    harness = await startTarget();
    const health = createClient(Health, harness.address);
    try {
      expect((await health.check({ service: "" })).status).toBe(ServingStatus.SERVING);
      expect((await health.check({ service: TARGET })).status).toBe(ServingStatus.SERVING);
      const error = await health.check({ service: "nope.Service" }).catch((e: unknown) => e);
      expect((error as ServiceError).code).toBe(Status.NOT_FOUND);
      harness.server.health.set(TARGET, ServingStatus.NOT_SERVING);
      expect((await health.check({ service: TARGET })).status).toBe(ServingStatus.NOT_SERVING);
    } finally {
      health.$close();
    }
  });

  it("reports NOT_SERVING once shutdown begins, and Watch sees the change and ends", async () => {
    harness = await startTarget({}, { drainDelayMs: 1_000 });
    const health = createClient(Health, harness.address);
    try {
      const watched: ServingStatus[] = [];
      const firstSeen = deferred();
      const watching = (async () => {
        for await (const { status } of health.watch({ service: TARGET })) {
          watched.push(status);
          firstSeen.resolve();
        }
      })();
      await firstSeen.promise;
      expect((await health.check({ service: "" })).status).toBe(ServingStatus.SERVING);

      const shutdown = harness.server.shutdown(2_000);
      // Inside the drain delay the server still answers, but says it is going away.
      expect((await health.check({ service: "" })).status).toBe(ServingStatus.NOT_SERVING);
      expect((await health.check({ service: TARGET })).status).toBe(ServingStatus.NOT_SERVING);
      await watching;
      expect(watched).toEqual([ServingStatus.SERVING, ServingStatus.NOT_SERVING]);
      await shutdown;
      // New calls are refused after the drain.
      const error = await health.check({ service: "" }, { timeoutMs: 1_000 }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ServiceError);
    } finally {
      health.$close();
    }
  });

  it("Watch reports SERVICE_UNKNOWN for an unknown service, then its status once it is set", async () => {
    harness = await startTarget();
    const health = createClient(Health, harness.address);
    const controller = new AbortController();
    try {
      const watched: ServingStatus[] = [];
      const watching = (async () => {
        for await (const { status } of health.watch(
          { service: "later.Service" },
          { signal: controller.signal },
        )) {
          watched.push(status);
          if (watched.length === 1) harness!.server.health.set("later.Service", ServingStatus.SERVING);
          if (watched.length === 2) controller.abort();
        }
      })();
      const error = await watching.catch((e: unknown) => e);
      expect((error as ServiceError).code).toBe(Status.CANCELLED);
      expect(watched).toEqual([ServingStatus.SERVICE_UNKNOWN, ServingStatus.SERVING]);
    } finally {
      health.$close();
    }
  });
});

describe("server reflection", () => {
  let harness: Harness | undefined;
  afterEach(async () => {
    await harness?.close();
    harness = undefined;
  });

  interface ReflectionResponse {
    listServicesResponse?: { service: { name: string }[] };
    fileDescriptorResponse?: { fileDescriptorProto: Buffer[] };
    errorResponse?: { errorCode: number; errorMessage: string };
  }

  // A reflection client from the .proto that @grpc/reflection ships: independent of the kit.
  function reflect(address: string, request: Record<string, string>): Promise<ReflectionResponse> {
    const require = createRequire(import.meta.url);
    const protoPath = require
      .resolve("@grpc/reflection/package.json")
      .replace(/package\.json$/, "build/proto/grpc/reflection/v1/reflection.proto");
    const definition = protoLoader.loadSync(protoPath, { keepCase: false, longs: String, defaults: true });
    const pkg = grpc.loadPackageDefinition(definition) as unknown as {
      grpc: { reflection: { v1: { ServerReflection: grpc.ServiceClientConstructor } } };
    };
    const client = new pkg.grpc.reflection.v1.ServerReflection(address, grpc.credentials.createInsecure());
    return new Promise((resolve, reject) => {
      const call = client.ServerReflectionInfo({ deadline: Date.now() + 5_000 }) as grpc.ClientDuplexStream<
        unknown,
        ReflectionResponse
      >;
      call.on("data", (response: ReflectionResponse) => {
        resolve(response);
        call.end();
      });
      call.on("error", reject);
      call.on("end", () => client.close());
      call.write(request);
    });
  }

  it("lists the served services through ServerReflectionInfo", async () => {
    harness = await startTarget();
    const response = await reflect(harness.address, { listServices: "" });
    const names = response.listServicesResponse?.service.map((s) => s.name).sort();
    expect(names).toEqual(["distillspec.v1.TargetVerifierService", "grpc.health.v1.Health"]);
  });

  it("returns the file descriptors for a symbol, dependencies included", async () => {
    harness = await startTarget();
    const response = await reflect(harness.address, { fileContainingSymbol: TARGET });
    const files = response.fileDescriptorResponse?.fileDescriptorProto ?? [];
    const text = files.map((f) => Buffer.from(f).toString("latin1")).join("\n");
    expect(text).toContain("distillspec/v1/target_verifier.proto");
    expect(text).toContain("distillspec/v1/common.proto");
  });

  it("is off when disabled", async () => {
    harness = await startTarget({}, { reflection: false });
    const error = await reflect(harness.address, { listServices: "" }).catch((e: unknown) => e);
    expect((error as grpc.ServiceError).code).toBe(Status.UNIMPLEMENTED);
  });
});
