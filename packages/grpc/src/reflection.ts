import { type DescFile, type DescService, toBinary } from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema } from "@bufbuild/protobuf/wkt";
import type { Server } from "@grpc/grpc-js";
import { ReflectionService } from "@grpc/reflection";

type ReflectionPackage = ConstructorParameters<typeof ReflectionService>[0];

/**
 * Serves grpc.reflection (v1 and v1alpha) for `services`. @grpc/reflection reads proto-loader package
 * definitions but only their serialized file descriptors, which the generated code embeds: build that
 * shape from the descriptors instead of loading .proto files at run time.
 */
export function addReflection(server: Pick<Server, "addService">, services: readonly DescService[]): void {
  const files = new Map<string, DescFile>();
  const visit = (file: DescFile): void => {
    if (files.has(file.name)) return;
    files.set(file.name, file);
    for (const dependency of file.dependencies) visit(dependency);
  };
  for (const service of services) visit(service.file);
  const fileDescriptorProtos = [...files.values()].map((file) =>
    Buffer.from(toBinary(FileDescriptorProtoSchema, file.proto)),
  );
  const pkg = {
    "distillspec.reflection": {
      format: "Protocol Buffer 3 FileDescriptorProto",
      type: {},
      fileDescriptorProtos,
    },
  } as unknown as ReflectionPackage;
  new ReflectionService(pkg, { services: services.map((service) => service.typeName) }).addToServer(server);
}
