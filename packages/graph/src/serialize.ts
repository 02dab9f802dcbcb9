import { create, toBinary } from "@bufbuild/protobuf";
import {
  type AttributeProto,
  AttributeProto_AttributeType,
  AttributeProtoSchema,
  GraphProtoSchema,
  ModelProtoSchema,
  NodeProtoSchema,
  OperatorSetIdProtoSchema,
  TensorProtoSchema,
  TensorShapeProto_DimensionSchema,
  TensorShapeProtoSchema,
  type TypeProto,
  TypeProto_TensorSchema,
  TypeProtoSchema,
  type ValueInfoProto,
  ValueInfoProtoSchema,
} from "onnx-buf";
import { ONNX_DTYPE } from "./dtype.js";
import type { Attribute, ConstantTensor, GraphBuilder, Value } from "./graph-builder.js";

// Serialises a GraphBuilder to ONNX ModelProto bytes (protobuf-es over the onnx.proto schema from onnx-buf).

const IR_VERSION = 9n;

function typeOf(value: Value): TypeProto {
  const dim = value.shape.map((d) =>
    create(
      TensorShapeProto_DimensionSchema,
      typeof d === "number"
        ? { value: { case: "dimValue", value: BigInt(d) } }
        : { value: { case: "dimParam", value: d } },
    ),
  );
  return create(TypeProtoSchema, {
    value: {
      case: "tensorType",
      value: create(TypeProto_TensorSchema, {
        elemType: ONNX_DTYPE[value.dtype],
        shape: create(TensorShapeProtoSchema, { dim }),
      }),
    },
  });
}

function valueInfo(value: Value, withShape: boolean): ValueInfoProto {
  if (!withShape) {
    // Intermediate shapes are left to ORT's inference; graph inputs/outputs carry the declared ones.
    return create(ValueInfoProtoSchema, { name: value.name });
  }
  return create(ValueInfoProtoSchema, { name: value.name, type: typeOf(value) });
}

function attributeProto(name: string, attr: Attribute): AttributeProto {
  switch (attr.kind) {
    case "int":
      return create(AttributeProtoSchema, {
        name,
        type: AttributeProto_AttributeType.INT,
        i: BigInt(attr.value),
      });
    case "ints":
      return create(AttributeProtoSchema, {
        name,
        type: AttributeProto_AttributeType.INTS,
        ints: attr.value.map((v) => BigInt(v)),
      });
    case "float":
      return create(AttributeProtoSchema, { name, type: AttributeProto_AttributeType.FLOAT, f: attr.value });
    case "string":
      return create(AttributeProtoSchema, {
        name,
        type: AttributeProto_AttributeType.STRING,
        s: new TextEncoder().encode(attr.value),
      });
  }
}

function tensorProto(constant: ConstantTensor) {
  const { value, data } = constant;
  // Copy into a fresh buffer: raw_data is little-endian, which typed arrays are on every platform ORT runs.
  const rawData = new Uint8Array(data.byteLength);
  rawData.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  return create(TensorProtoSchema, {
    name: value.name,
    dataType: ONNX_DTYPE[value.dtype],
    dims: value.shape.map((d) => BigInt(d as number)),
    rawData,
  });
}

export function serializeModel(graph: GraphBuilder, name = "distillspec"): Uint8Array {
  const nodes = graph.nodes.map((node, i) =>
    create(NodeProtoSchema, {
      name: `${node.opType}_${i}`,
      opType: node.opType,
      domain: node.domain,
      input: node.inputs.map((v) => v.name),
      output: node.outputs.map((v) => v.name),
      attribute: Object.entries(node.attributes).map(([k, a]) => attributeProto(k, a)),
    }),
  );
  const domains = new Set(graph.nodes.map((n) => n.domain).filter((d) => d !== ""));
  const model = create(ModelProtoSchema, {
    irVersion: IR_VERSION,
    producerName: "distillspec",
    opsetImport: [
      create(OperatorSetIdProtoSchema, { domain: "", version: BigInt(graph.opset) }),
      ...[...domains].map((domain) => create(OperatorSetIdProtoSchema, { domain, version: 1n })),
    ],
    graph: create(GraphProtoSchema, {
      name,
      node: nodes,
      input: graph.inputs.map((v) => valueInfo(v, true)),
      output: graph.outputs.map((v) => valueInfo(v, true)),
      initializer: graph.initializers.map(tensorProto),
    }),
  });
  return toBinary(ModelProtoSchema, model);
}
