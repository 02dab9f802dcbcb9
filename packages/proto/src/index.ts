export * from "./distribution-bytes.js";
export * from "./gen/distillspec/v1/common_pb.js";
export * from "./gen/distillspec/v1/controller_pb.js";
export * from "./gen/distillspec/v1/distiller_pb.js";
export * from "./gen/distillspec/v1/draft_proposer_pb.js";
export * from "./gen/distillspec/v1/target_verifier_pb.js";
export * from "./gen/grpc/health/v1/health_pb.js";
export * from "./grpc-service.js";
