import { createHash, randomBytes } from "node:crypto";
import { type FileHandle, open, readFile, rename, unlink } from "node:fs/promises";
import { dirname } from "node:path";
import { type ModelConfig, validateConfig } from "./config.js";
import { float16ToFloat32, float32ToFloat16 } from "./float16.js";
import { type Weights, weightSpecs } from "./weight-spec.js";

// Checkpoint file, format version 1 (all integers little-endian):
//   0   8  magic "DSPKCKPT"
//   8   4  uint32 format version
//  12   4  uint32 header byte length H
//  16  32  sha256 of the header bytes (so a flipped byte in config/metadata is caught too)
//  48   H  UTF-8 JSON header (CheckpointHeader)
//      ..  zero padding up to a multiple of 64 = payload start
//      ..  payload: tensors at their `offset` (relative to payload start, 64-aligned), zero padding between
// The magic and version come first and never move, so a future layout can still be told apart.

export const CHECKPOINT_MAGIC = "DSPKCKPT";
export const CHECKPOINT_FORMAT_VERSION = 1;

const MAGIC_BYTES = new TextEncoder().encode(CHECKPOINT_MAGIC);
const PREFIX_BYTES = 48;
const ALIGN = 64;
const BYTES_PER: Record<CheckpointDtype, number> = { float32: 4, float16: 2 };
const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const HEX = /^[0-9a-f]+$/;

export type CheckpointDtype = "float32" | "float16";

/** Free-form JSON object: training step, seed, losses… Stored via JSON, so NaN/Infinity become null. */
export type CheckpointMetadata = Record<string, unknown>;

export interface Checkpoint {
  formatVersion: number;
  config: ModelConfig;
  /** Lower-case hex identity of the tokenizer the model was trained with. */
  tokenizerIdentity: string;
  metadata: CheckpointMetadata;
  /** Always float32, in weightSpecs(config) order, whatever dtype the file stores. */
  weights: Weights;
}

export interface SaveCheckpointInput {
  config: ModelConfig;
  tokenizerIdentity: string;
  weights: Weights;
  metadata?: CheckpointMetadata;
  /** Storage dtype for every tensor; default "float32" (exact). */
  dtype?: CheckpointDtype;
}

export interface CheckpointTensorEntry {
  name: string;
  dtype: CheckpointDtype;
  shape: number[];
  offset: number;
  byteLength: number;
}

export interface CheckpointHeader {
  config: ModelConfig;
  tokenizerIdentity: string;
  metadata: CheckpointMetadata;
  tensors: CheckpointTensorEntry[];
  payloadByteLength: number;
  payloadSha256: string;
}

export class CheckpointError extends Error {
  override name = "CheckpointError";
  /** A file that is not a usable checkpoint (or a pair that does not match) cannot be served. */
  readonly status = "FAILED_PRECONDITION";
  /** File the problem concerns, when there is one. */
  readonly path: string | undefined;

  constructor(problem: string, options: { path?: string; cause?: unknown } = {}) {
    super(options.path === undefined ? problem : `${options.path}: ${problem}`, { cause: options.cause });
    this.path = options.path;
  }
}

/** Serialises a checkpoint to bytes (validating it first); saveCheckpoint writes exactly these bytes. */
export function encodeCheckpoint(input: SaveCheckpointInput, path?: string): Uint8Array {
  const fail = (problem: string, cause?: unknown): never => {
    throw new CheckpointError(`cannot save checkpoint: ${problem}`, { path, cause });
  };
  const { config, weights } = input;
  const dtype = input.dtype ?? "float32";
  const metadata = input.metadata ?? {};
  if (dtype !== "float32" && dtype !== "float16") fail(`unknown dtype ${JSON.stringify(dtype)}`);
  checkConfig(config, fail);
  const tokenizerIdentity = normaliseIdentity(input.tokenizerIdentity, fail);
  if (!isPlainObject(metadata)) fail("metadata must be a JSON object");

  const specs = weightSpecs(config);
  const problems = weightMismatches(
    specs,
    [...weights].map(([name, values]) => ({
      name,
      length: values instanceof Float32Array ? values.length : -1,
    })),
  );
  if (problems.length > 0) fail(`weights do not match the config: ${problems.join("; ")}`);

  const tensors: CheckpointTensorEntry[] = [];
  const encoded: Uint8Array[] = [];
  let cursor = 0;
  for (const spec of specs) {
    const values = weights.get(spec.name)!;
    const bytes = dtype === "float32" ? float32Bytes(values) : float16Bytes(values, spec.name, fail);
    cursor = alignUp(cursor);
    tensors.push({ name: spec.name, dtype, shape: spec.shape, offset: cursor, byteLength: bytes.byteLength });
    encoded.push(bytes);
    cursor += bytes.byteLength;
  }
  const payload = new Uint8Array(cursor);
  tensors.forEach((t, i) => {
    payload.set(encoded[i], t.offset);
  });

  let metadataJson: string;
  try {
    metadataJson = JSON.stringify(metadata);
  } catch (err) {
    return fail(`metadata is not JSON-serialisable: ${errorMessage(err)}`, err);
  }
  const header: CheckpointHeader = {
    config,
    tokenizerIdentity,
    metadata: JSON.parse(metadataJson),
    tensors,
    payloadByteLength: payload.byteLength,
    payloadSha256: sha256Hex(payload),
  };
  const headerBytes = new TextEncoder().encode(JSON.stringify(header));
  const payloadStart = alignUp(PREFIX_BYTES + headerBytes.byteLength);
  const file = new Uint8Array(payloadStart + payload.byteLength);
  const view = new DataView(file.buffer);
  file.set(MAGIC_BYTES, 0);
  view.setUint32(8, CHECKPOINT_FORMAT_VERSION, true);
  view.setUint32(12, headerBytes.byteLength, true);
  file.set(createHash("sha256").update(headerBytes).digest(), 16);
  file.set(headerBytes, PREFIX_BYTES);
  file.set(payload, payloadStart);
  return file;
}

/**
 * Writes atomically: the bytes go to `${path}.tmp-<random>` in the same directory, are fsynced, then
 * renamed over `path`, so a reader sees either the old file or the complete new one. On failure the
 * temporary file is removed and whatever was at `path` is left untouched.
 */
export async function saveCheckpoint(path: string, input: SaveCheckpointInput): Promise<void> {
  const bytes = encodeCheckpoint(input, path);
  const tmp = `${path}.tmp-${randomBytes(8).toString("hex")}`;
  let handle: FileHandle | undefined;
  try {
    handle = await open(tmp, "wx", 0o644);
    await handle.writeFile(bytes);
    await handle.sync();
    await handle.close();
    handle = undefined;
    await rename(tmp, path);
  } catch (err) {
    await handle?.close().catch(() => undefined);
    await unlink(tmp).catch(() => undefined);
    throw new CheckpointError(`cannot save checkpoint: ${errorMessage(err)}`, { path, cause: err });
  }
  await syncDirectory(dirname(path));
}

export async function loadCheckpoint(path: string): Promise<Checkpoint> {
  let buffer: Buffer;
  try {
    buffer = await readFile(path);
  } catch (err) {
    throw new CheckpointError(`cannot read checkpoint: ${errorMessage(err)}`, { path, cause: err });
  }
  return readCheckpointBytes(new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength), path);
}

/** Parses and fully validates checkpoint bytes; `path` only labels error messages. */
export function readCheckpointBytes(bytes: Uint8Array, path?: string): Checkpoint {
  const fail = (problem: string, cause?: unknown): never => {
    throw new CheckpointError(problem, { path, cause });
  };

  const magicLength = Math.min(bytes.byteLength, MAGIC_BYTES.byteLength);
  if (magicLength === 0) fail("not a checkpoint: file is empty");
  for (let i = 0; i < magicLength; i++) {
    if (bytes[i] !== MAGIC_BYTES[i]) fail(`not a checkpoint: bad magic (expected "${CHECKPOINT_MAGIC}")`);
  }
  if (bytes.byteLength < 12) fail(`truncated: expected at least 12 bytes, file has ${bytes.byteLength}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint32(8, true);
  if (version !== CHECKPOINT_FORMAT_VERSION) {
    fail(
      `unsupported checkpoint format version ${version}; this build reads version ${CHECKPOINT_FORMAT_VERSION}` +
        (version > CHECKPOINT_FORMAT_VERSION ? " (written by a newer build?)" : ""),
    );
  }
  if (bytes.byteLength < PREFIX_BYTES) {
    fail(`truncated: expected at least ${PREFIX_BYTES} bytes, file has ${bytes.byteLength}`);
  }
  const headerLength = view.getUint32(12, true);
  const payloadStart = alignUp(PREFIX_BYTES + headerLength);
  if (bytes.byteLength < payloadStart) {
    fail(`truncated: expected at least ${payloadStart} bytes (header), file has ${bytes.byteLength}`);
  }
  const headerBytes = bytes.subarray(PREFIX_BYTES, PREFIX_BYTES + headerLength);
  if (!equalBytes(createHash("sha256").update(headerBytes).digest(), bytes.subarray(16, 48))) {
    fail("header checksum mismatch: the file is corrupt");
  }

  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(headerBytes));
  } catch (err) {
    return fail(`invalid header JSON: ${errorMessage(err)}`, err);
  }
  const header = checkHeader(parsed, fail);

  const expectedLength = payloadStart + header.payloadByteLength;
  if (bytes.byteLength < expectedLength) {
    fail(`truncated: expected ${expectedLength} bytes, file has ${bytes.byteLength}`);
  }
  if (bytes.byteLength > expectedLength) {
    fail(`trailing garbage: expected ${expectedLength} bytes, file has ${bytes.byteLength}`);
  }

  const specs = weightSpecs(header.config);
  const problems = weightMismatches(specs, header.tensors);
  if (problems.length > 0) fail(`tensors do not match the config: ${problems.join("; ")}`);
  checkTensorLayout(header.tensors, header.payloadByteLength, fail);

  const payload = bytes.subarray(payloadStart, expectedLength);
  if (sha256Hex(payload) !== header.payloadSha256) fail("payload checksum mismatch: the file is corrupt");

  const entries = new Map(header.tensors.map((t) => [t.name, t]));
  const weights: Weights = new Map();
  for (const spec of specs) {
    const t = entries.get(spec.name)!;
    const raw = payload.subarray(t.offset, t.offset + t.byteLength);
    weights.set(spec.name, t.dtype === "float32" ? decodeFloat32(raw) : decodeFloat16(raw));
  }
  return {
    formatVersion: version,
    config: header.config,
    tokenizerIdentity: header.tokenizerIdentity,
    metadata: header.metadata,
    weights,
  };
}

export interface TokenizerBinding {
  tokenizerIdentity: string;
  config: Pick<ModelConfig, "vocabSize">;
}

/** Draft and target must share one tokenizer, or speculative decoding compares unrelated token ids. */
export function assertSameTokenizer(
  a: TokenizerBinding,
  b: TokenizerBinding,
  labels: readonly [string, string] = ["draft", "target"],
): void {
  const idA = a.tokenizerIdentity.toLowerCase();
  const idB = b.tokenizerIdentity.toLowerCase();
  const vocabA = a.config.vocabSize;
  const vocabB = b.config.vocabSize;
  if (idA === idB && vocabA === vocabB) return;
  let message = `tokenizer mismatch: ${labels[0]} uses ${idA.slice(0, 8)}, ${labels[1]} uses ${idB.slice(0, 8)}`;
  if (vocabA !== vocabB) message += ` (vocabSize ${vocabA} vs ${vocabB})`;
  throw new CheckpointError(message);
}

type Fail = (problem: string, cause?: unknown) => never;

function checkConfig(config: unknown, fail: Fail): asserts config is ModelConfig {
  if (!isPlainObject(config)) fail("config must be an object");
  const c = config as Record<string, unknown>;
  if (typeof c.name !== "string") fail("config.name must be a string");
  for (const key of ["ropeTheta", "normEps"]) {
    if (typeof c[key] !== "number") fail(`config.${key} must be a number`);
  }
  try {
    validateConfig(config as unknown as ModelConfig);
  } catch (err) {
    fail(`invalid config: ${errorMessage(err)}`, err);
  }
}

function normaliseIdentity(identity: unknown, fail: Fail): string {
  if (typeof identity !== "string" || !HEX.test(identity.toLowerCase())) {
    fail(`tokenizerIdentity must be a non-empty hex string, got ${JSON.stringify(identity)}`);
  }
  return (identity as string).toLowerCase();
}

function checkHeader(value: unknown, fail: Fail): CheckpointHeader {
  if (!isPlainObject(value)) return fail("invalid header: not a JSON object");
  const h = value as Record<string, unknown>;
  checkConfig(h.config, (p, cause) => fail(`invalid header: ${p}`, cause));
  const tokenizerIdentity = normaliseIdentity(h.tokenizerIdentity, (p) => fail(`invalid header: ${p}`));
  if (!isPlainObject(h.metadata)) fail("invalid header: metadata must be a JSON object");
  if (!isNonNegativeInt(h.payloadByteLength)) {
    fail("invalid header: payloadByteLength must be an integer ≥ 0");
  }
  if (typeof h.payloadSha256 !== "string" || !/^[0-9a-f]{64}$/.test(h.payloadSha256)) {
    fail("invalid header: payloadSha256 must be 64 lower-case hex digits");
  }
  if (!Array.isArray(h.tensors)) return fail("invalid header: tensors must be an array");
  for (const [i, t] of (h.tensors as unknown[]).entries()) {
    const where = `invalid header: tensors[${i}]`;
    if (!isPlainObject(t)) fail(`${where} is not an object`);
    const e = t as Record<string, unknown>;
    if (typeof e.name !== "string") fail(`${where}.name must be a string`);
    const label = `${where} (${String(e.name)})`;
    if (e.dtype !== "float32" && e.dtype !== "float16") {
      fail(`${label}: unknown dtype ${JSON.stringify(e.dtype)}`);
    }
    if (!Array.isArray(e.shape) || !e.shape.every(isNonNegativeInt)) {
      fail(`${label}: shape must be an array of integers ≥ 0`);
    }
    if (!isNonNegativeInt(e.offset) || !isNonNegativeInt(e.byteLength)) {
      fail(`${label}: offset and byteLength must be integers ≥ 0`);
    }
    const elements = (e.shape as number[]).reduce((a, b) => a * b, 1);
    if (e.byteLength !== elements * BYTES_PER[e.dtype as CheckpointDtype]) {
      fail(`${label}: byteLength ${e.byteLength} does not fit shape [${e.shape}] of ${e.dtype}`);
    }
  }
  return {
    config: h.config as ModelConfig,
    tokenizerIdentity,
    metadata: h.metadata as CheckpointMetadata,
    tensors: h.tensors as CheckpointTensorEntry[],
    payloadByteLength: h.payloadByteLength as number,
    payloadSha256: h.payloadSha256 as string,
  };
}

/** Missing, unexpected, duplicated and misshaped tensors, all named, so one message shows every problem. */
function weightMismatches(
  specs: ReturnType<typeof weightSpecs>,
  found: readonly { name: string; shape?: readonly number[]; length?: number }[],
): string[] {
  const problems: string[] = [];
  const expected = new Map(specs.map((s) => [s.name, s.shape]));
  const seen = new Set<string>();
  for (const t of found) {
    const shape = expected.get(t.name);
    if (seen.has(t.name)) problems.push(`duplicate ${t.name}`);
    seen.add(t.name);
    if (shape === undefined) {
      problems.push(`unexpected ${t.name}`);
    } else if (t.shape !== undefined && t.shape.join(",") !== shape.join(",")) {
      problems.push(`${t.name} has shape [${t.shape.join(", ")}], expected [${shape.join(", ")}]`);
    } else if (t.length !== undefined) {
      const size = shape.reduce((a, b) => a * b, 1);
      if (t.length < 0) problems.push(`${t.name} is not a Float32Array`);
      else if (t.length !== size) {
        problems.push(`${t.name} has ${t.length} values, expected ${size} for shape [${shape.join(", ")}]`);
      }
    }
  }
  for (const s of specs) if (!seen.has(s.name)) problems.push(`missing ${s.name}`);
  return problems;
}

function checkTensorLayout(
  tensors: readonly CheckpointTensorEntry[],
  payloadLength: number,
  fail: Fail,
): void {
  for (const t of tensors) {
    if (t.offset + t.byteLength > payloadLength) {
      fail(
        `tensor ${t.name} lies outside the payload: bytes ${t.offset}..${t.offset + t.byteLength} of ${payloadLength}`,
      );
    }
  }
  const sorted = [...tensors].sort((a, b) => a.offset - b.offset);
  for (let i = 1; i < sorted.length; i++) {
    const prev = sorted[i - 1];
    if (sorted[i].offset < prev.offset + prev.byteLength && sorted[i].byteLength > 0) {
      fail(`tensors ${prev.name} and ${sorted[i].name} overlap`);
    }
  }
}

function float32Bytes(values: Float32Array): Uint8Array {
  if (HOST_LITTLE_ENDIAN) return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  const out = new Uint8Array(values.length * 4);
  const view = new DataView(out.buffer);
  for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i], true);
  return out;
}

function float16Bytes(values: Float32Array, name: string, fail: Fail): Uint8Array {
  const halves = float32ToFloat16(values);
  for (let i = 0; i < halves.length; i++) {
    // Finite weights silently becoming ±Infinity would poison the model; refuse instead.
    if ((halves[i] & 0x7fff) === 0x7c00 && Number.isFinite(values[i])) {
      fail(`${name}[${i}] = ${values[i]} is outside the float16 range (±65504); save as float32`);
    }
  }
  if (HOST_LITTLE_ENDIAN) return new Uint8Array(halves.buffer);
  const out = new Uint8Array(halves.length * 2);
  const view = new DataView(out.buffer);
  for (let i = 0; i < halves.length; i++) view.setUint16(i * 2, halves[i], true);
  return out;
}

function decodeFloat32(raw: Uint8Array): Float32Array {
  // new Uint8Array(view) copies into a fresh, aligned buffer (a Node Buffer's slice() would not copy).
  if (HOST_LITTLE_ENDIAN) return new Float32Array(new Uint8Array(raw).buffer);
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  return Float32Array.from({ length: raw.byteLength / 4 }, (_, i) => view.getFloat32(i * 4, true));
}

function decodeFloat16(raw: Uint8Array): Float32Array {
  if (HOST_LITTLE_ENDIAN) return float16ToFloat32(new Uint16Array(new Uint8Array(raw).buffer));
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  return float16ToFloat32(
    Uint16Array.from({ length: raw.byteLength / 2 }, (_, i) => view.getUint16(i * 2, true)),
  );
}

// Makes the rename itself durable; best-effort because not every platform can fsync a directory.
async function syncDirectory(dir: string): Promise<void> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(dir, "r");
    await handle.sync();
  } catch {
    // ignored: the file data is already synced
  } finally {
    await handle?.close().catch(() => undefined);
  }
}

function sha256Hex(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.byteLength === b.byteLength && a.every((x, i) => x === b[i]);
}

function alignUp(n: number): number {
  return Math.ceil(n / ALIGN) * ALIGN;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isNonNegativeInt(value: unknown): value is number {
  return typeof value === "number" && Number.isSafeInteger(value) && value >= 0;
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
