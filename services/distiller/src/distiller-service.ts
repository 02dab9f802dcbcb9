import { defineService } from "@distillspec/grpc";
import { DistillerService } from "@distillspec/proto";
import type { RunManager } from "./run-manager.js";

// The distiller's gRPC face: requests in, RunManager calls, wire messages out. Errors are thrown as they
// are (ServiceErrors, PluginErrors with a status, RangeErrors from config validation); the kit maps them.

export function distillerService(runs: RunManager) {
  return defineService(DistillerService, {
    startRun: async (request) => ({ runId: await runs.start(request) }),

    watchRun: async function* (request, context) {
      for await (const progress of runs.watch(request.runId, context.signal)) yield { progress };
    },

    getRun: (request) => ({ run: runs.status(request.runId) }),

    cancelRun: async (request, context) => ({ run: await runs.cancel(request.runId, context.signal) }),

    listPlugins: () => ({
      plugins: runs.plugins
        .list()
        .map((p) => ({ id: p.id, kind: p.kind, packageName: p.packageName, version: p.version })),
    }),

    publishRun: async (request) => ({ published: await runs.publish(request.runId) }),
  });
}
