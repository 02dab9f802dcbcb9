// Distribution.probs and TeacherScoreResponse.probs carry float32 little-endian values as bytes.

const littleEndianHost = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** Encodes probabilities as little-endian float32 bytes (a fresh buffer, safe to hand to protobuf). */
export function encodeProbs(probs: Float32Array): Uint8Array {
  const bytes = new Uint8Array(probs.length * 4);
  if (littleEndianHost) {
    bytes.set(new Uint8Array(probs.buffer, probs.byteOffset, probs.byteLength));
  } else {
    const view = new DataView(bytes.buffer);
    for (let i = 0; i < probs.length; i++) view.setFloat32(i * 4, probs[i], true);
  }
  return bytes;
}

/**
 * Decodes little-endian float32 bytes into a new Float32Array. Always copies: a decoded `bytes` field is
 * a view into the gRPC receive buffer, often at an offset not divisible by 4 and kept alive by the view.
 */
export function decodeProbs(bytes: Uint8Array): Float32Array {
  if (bytes.byteLength % 4 !== 0) {
    throw new RangeError(`probability bytes must be a multiple of 4 long, got ${bytes.byteLength}`);
  }
  const probs = new Float32Array(bytes.byteLength / 4);
  if (littleEndianHost) {
    new Uint8Array(probs.buffer).set(bytes);
  } else {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let i = 0; i < probs.length; i++) probs[i] = view.getFloat32(i * 4, true);
  }
  return probs;
}
