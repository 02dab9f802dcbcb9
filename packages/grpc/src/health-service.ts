import { Health } from "@distillspec/proto";
import { notFound } from "./errors.js";
import type { HealthRegistry } from "./health-registry.js";
import { defineService, type ServiceMethods, type ServiceRegistration } from "./service-implementation.js";

/** grpc.health.v1.Health served from a registry. */
export function createHealthService(
  registry: HealthRegistry,
): ServiceRegistration<ServiceMethods<typeof Health>> {
  return defineService(Health, {
    check: (request) => {
      const status = registry.get(request.service);
      if (status === undefined) throw notFound(`unknown service "${request.service}"`);
      return { status };
    },
    watch: async function* (request, context) {
      for await (const status of registry.watch(request.service, context.signal)) yield { status };
    },
  });
}
