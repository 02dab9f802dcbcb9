// Element types the builder knows, and how they map to ONNX and to JS typed arrays.

export type DType = "float32" | "float64" | "int64" | "int32" | "bool";

export type FloatDType = "float32" | "float64";

export const ONNX_DTYPE: Record<DType, number> = {
  float32: 1,
  int32: 6,
  int64: 7,
  bool: 9,
  float64: 11,
};

export type TypedArrayFor<T extends DType> = T extends "float32"
  ? Float32Array
  : T extends "float64"
    ? Float64Array
    : T extends "int64"
      ? BigInt64Array
      : T extends "int32"
        ? Int32Array
        : Uint8Array;

export function isFloat(dtype: DType): dtype is FloatDType {
  return dtype === "float32" || dtype === "float64";
}

export function bytesPerElement(dtype: DType): number {
  switch (dtype) {
    case "float32":
    case "int32":
      return 4;
    case "float64":
    case "int64":
      return 8;
    case "bool":
      return 1;
  }
}
