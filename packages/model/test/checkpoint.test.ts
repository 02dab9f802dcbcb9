import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import {
  assertSameTokenizer,
  CheckpointError,
  type CheckpointHeader,
  encodeCheckpoint,
  loadCheckpoint,
  readCheckpointBytes,
  type SaveCheckpointInput,
  saveCheckpoint,
} from "../src/checkpoint.js";
import type { ModelConfig } from "../src/config.js";
import { initWeights } from "../src/init-weights.js";
import { parameterCount } from "../src/weight-spec.js";

// Lets a test fail or observe the rename step of the atomic write.
const fsHooks = vi.hoisted(() => ({
  failRename: false,
  onRename: undefined as undefined | ((from: string, to: string) => void),
}));
vi.mock("node:fs/promises", async (importOriginal) => {
  const actual = await importOriginal<typeof import("node:fs/promises")>();
  return {
    ...actual,
    rename: async (from: string, to: string) => {
      fsHooks.onRename?.(from, to);
      if (fsHooks.failRename)
        throw Object.assign(new Error("EIO: simulated rename failure"), { code: "EIO" });
      return actual.rename(from, to);
    },
  };
});

const config: ModelConfig = {
  name: "tiny",
  vocabSize: 11,
  contextLength: 16,
  layers: 2,
  heads: 2,
  width: 8,
  ffnHidden: 12,
  ropeTheta: 10000,
  normEps: 1e-5,
};
const TOKENIZER = "0123456789abcdef0123456789abcdef";

function input(overrides: Partial<SaveCheckpointInput> = {}): SaveCheckpointInput {
  return {
    config,
    tokenizerIdentity: TOKENIZER,
    weights: initWeights(config, 1),
    metadata: { step: 1200, seed: 1, losses: [3.5, 2.25], note: "ünïcode ok" },
    ...overrides,
  };
}

/** Re-encodes a valid file after `mutate` edits its header (re-signing the header checksum). */
function rewriteHeader(bytes: Uint8Array, mutate: (h: CheckpointHeader) => void): Uint8Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = view.getUint32(12, true);
  const oldStart = Math.ceil((48 + headerLength) / 64) * 64;
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(48, 48 + headerLength)));
  mutate(header);
  return assemble(new TextEncoder().encode(JSON.stringify(header)), bytes.subarray(oldStart));
}

function assemble(headerBytes: Uint8Array, payload: Uint8Array): Uint8Array {
  const start = Math.ceil((48 + headerBytes.byteLength) / 64) * 64;
  const out = new Uint8Array(start + payload.byteLength);
  const view = new DataView(out.buffer);
  out.set(new TextEncoder().encode("DSPKCKPT"), 0);
  view.setUint32(8, 1, true);
  view.setUint32(12, headerBytes.byteLength, true);
  out.set(createHash("sha256").update(headerBytes).digest(), 16);
  out.set(headerBytes, 48);
  out.set(payload, start);
  return out;
}

function readError(bytes: Uint8Array, path = "/ckpt/x.ckpt"): CheckpointError {
  try {
    readCheckpointBytes(bytes, path);
  } catch (err) {
    expect(err).toBeInstanceOf(CheckpointError);
    expect((err as Error).message).toContain(path);
    return err as CheckpointError;
  }
  throw new Error("expected readCheckpointBytes to throw");
}

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "ckpt-test-"));
  fsHooks.failRename = false;
  fsHooks.onRename = undefined;
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("checkpoint round trip", () => {
  it("float32 is exact and keeps config, tokenizer identity and metadata", async () => {
    const src = input();
    const path = join(dir, "model.ckpt");
    await saveCheckpoint(path, src);
    const ckpt = await loadCheckpoint(path);
    expect(ckpt.formatVersion).toBe(1);
    expect(ckpt.config).toEqual(config);
    expect(ckpt.tokenizerIdentity).toBe(TOKENIZER);
    expect(ckpt.metadata).toEqual(src.metadata);
    expect([...ckpt.weights.keys()]).toEqual([...src.weights.keys()]);
    for (const [name, values] of src.weights) expect(ckpt.weights.get(name)).toEqual(values);
    expect(await readdir(dir)).toEqual(["model.ckpt"]);
    // The payload starts 64-byte aligned and the file is exactly what encodeCheckpoint produces.
    expect(new Uint8Array(await readFile(path))).toEqual(encodeCheckpoint(src));
  });

  it("float16 is within 1e-3 relative error and stores 2 bytes per value", async () => {
    const src = input({ dtype: "float16" });
    const p16 = join(dir, "half.ckpt");
    const p32 = join(dir, "full.ckpt");
    await saveCheckpoint(p16, src);
    await saveCheckpoint(p32, { ...src, dtype: "float32" });
    const ckpt = await loadCheckpoint(p16);
    for (const [name, values] of src.weights) {
      const got = ckpt.weights.get(name)!;
      expect(got).toBeInstanceOf(Float32Array);
      for (let i = 0; i < values.length; i++) {
        // Values below the float16 normal range only keep absolute precision 2^-25.
        const tol = Math.max(1e-3 * Math.abs(values[i]), 2 ** -24);
        if (Math.abs(got[i] - values[i]) > tol) expect.fail(`${name}[${i}]: ${got[i]} vs ${values[i]}`);
      }
    }
    const s16 = (await readFile(p16)).byteLength;
    const s32 = (await readFile(p32)).byteLength;
    // Two bytes saved per parameter, give or take the 64-byte alignment padding of each tensor.
    expect(s32 - s16).toBeGreaterThan(2 * parameterCount(config) - 64 * src.weights.size);
  });

  it("reads bytes at any offset, including a Node Buffer inside a larger pool (as gRPC delivers them)", () => {
    for (const dtype of ["float32", "float16"] as const) {
      const src = input({ dtype });
      const bytes = encodeCheckpoint(src);
      const pool = Buffer.alloc(bytes.byteLength + 7);
      pool.set(bytes, 3);
      const ckpt = readCheckpointBytes(pool.subarray(3, 3 + bytes.byteLength));
      expect(ckpt.weights.get("tok_emb")).toEqual(readCheckpointBytes(bytes).weights.get("tok_emb"));
      expect(ckpt.weights.get("tok_emb")?.length).toBeGreaterThan(0);
    }
  });

  it("normalises the tokenizer identity to lower case and defaults metadata to {}", () => {
    const bytes = encodeCheckpoint({
      config,
      tokenizerIdentity: "ABCDEF12",
      weights: initWeights(config, 2),
    });
    const ckpt = readCheckpointBytes(bytes);
    expect(ckpt.tokenizerIdentity).toBe("abcdef12");
    expect(ckpt.metadata).toEqual({});
  });
});

describe("checkpoint validation on read", () => {
  const good = encodeCheckpoint(input());

  it("reports truncation with expected and actual sizes", () => {
    const cut = good.subarray(0, good.byteLength - 100);
    expect(readError(cut).message).toContain(
      `truncated: expected ${good.byteLength} bytes, file has ${cut.byteLength}`,
    );
    expect(readError(good.subarray(0, 60)).message).toMatch(
      /truncated: expected at least \d+ bytes \(header\)/,
    );
    expect(readError(good.subarray(0, 20)).message).toMatch(
      /truncated: expected at least 48 bytes, file has 20/,
    );
    const longer = new Uint8Array(good.byteLength + 3);
    longer.set(good);
    expect(readError(longer).message).toMatch(/trailing garbage/);
  });

  it("detects a flipped byte in the payload and in the header", () => {
    const payloadFlip = good.slice();
    payloadFlip[good.byteLength - 7] ^= 0x01;
    expect(readError(payloadFlip).message).toMatch(/payload checksum mismatch/);
    const headerFlip = good.slice();
    const at = new TextDecoder().decode(good.subarray(48, 400)).indexOf('"step":1200') + 48 + 8;
    headerFlip[at] ^= 0x01; // 1200 → 1300: still valid JSON, only the checksum notices
    expect(readError(headerFlip).message).toMatch(/header checksum mismatch/);
  });

  it("rejects a wrong magic, an empty file and an unsupported version", () => {
    const bad = good.slice();
    bad[0] = "X".charCodeAt(0);
    expect(readError(bad).message).toMatch(/not a checkpoint: bad magic/);
    expect(readError(new TextEncoder().encode("hello")).message).toMatch(/bad magic/);
    expect(readError(new Uint8Array(0)).message).toMatch(/empty/);
    const v2 = good.slice();
    new DataView(v2.buffer).setUint32(8, 2, true);
    expect(readError(v2).message).toMatch(
      /unsupported checkpoint format version 2; this build reads version 1/,
    );
  });

  it("rejects header JSON that does not parse", () => {
    const payload = good.subarray(Math.ceil((48 + new DataView(good.buffer).getUint32(12, true)) / 64) * 64);
    expect(readError(assemble(new TextEncoder().encode("{not json"), payload)).message).toMatch(
      /invalid header JSON/,
    );
    expect(readError(assemble(new TextEncoder().encode("[1,2]"), payload)).message).toMatch(
      /not a JSON object/,
    );
  });

  it("names missing, unexpected and misshaped tensors", () => {
    const bytes = rewriteHeader(good, (h) => {
      const wq = h.tensors.find((t) => t.name === "l0.wq")!;
      wq.shape = [4, 16]; // same byte length, wrong shape
      const up = h.tensors.findIndex((t) => t.name === "l1.w_up");
      const [removed] = h.tensors.splice(up, 1);
      h.tensors.push({ ...removed, name: "l1.bogus" });
    });
    const msg = readError(bytes).message;
    expect(msg).toContain("l0.wq has shape [4, 16], expected [8, 8]");
    expect(msg).toContain("missing l1.w_up");
    expect(msg).toContain("unexpected l1.bogus");
  });

  it("rejects a header config that the tensors do not fit, or that is invalid", () => {
    const wider = readError(rewriteHeader(good, (h) => (h.config.width = 16))).message;
    expect(wider).toContain("tok_emb has shape [11, 8], expected [11, 16]");
    expect(readError(rewriteHeader(good, (h) => (h.config.heads = 3))).message).toMatch(
      /invalid config: config.heads \(3\) must divide/,
    );
    expect(readError(rewriteHeader(good, (h) => (h.tokenizerIdentity = "xyz"))).message).toMatch(
      /tokenizerIdentity must be a non-empty hex string/,
    );
  });

  it("rejects tensors outside the payload, overlapping, or with inconsistent byte lengths", () => {
    const outside = rewriteHeader(good, (h) => {
      h.tensors[1].offset = h.payloadByteLength;
    });
    expect(readError(outside).message).toMatch(/tensor l0.attn_norm lies outside the payload/);
    const overlap = rewriteHeader(good, (h) => {
      h.tensors[2].offset = h.tensors[1].offset;
    });
    expect(readError(overlap).message).toMatch(/overlap/);
    const length = rewriteHeader(good, (h) => {
      h.tensors[0].byteLength -= 4;
    });
    expect(readError(length).message).toMatch(/tensors\[0\] \(tok_emb\): byteLength \d+ does not fit shape/);
  });

  it("loadCheckpoint wraps a missing file in a CheckpointError naming the path", async () => {
    const path = join(dir, "nope.ckpt");
    await expect(loadCheckpoint(path)).rejects.toThrow(CheckpointError);
    await expect(loadCheckpoint(path)).rejects.toThrow(`${path}: cannot read checkpoint`);
  });
});

describe("saveCheckpoint", () => {
  it("is atomic: the final path appears only by rename, after the full file is written", async () => {
    const path = join(dir, "a.ckpt");
    const expected = encodeCheckpoint(input());
    let renamed = false;
    fsHooks.onRename = (from, to) => {
      renamed = true;
      expect(to).toBe(path);
      expect(from.startsWith(`${path}.tmp-`)).toBe(true);
      expect(existsSync(path)).toBe(false);
      expect(new Uint8Array(readFileSync(from))).toEqual(expected);
    };
    await saveCheckpoint(path, input());
    expect(renamed).toBe(true);
  });

  it("leaves no file at the path and no temporary file when the write fails", async () => {
    const path = join(dir, "b.ckpt");
    fsHooks.failRename = true;
    const err = await saveCheckpoint(path, input()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CheckpointError);
    expect((err as Error).message).toBe(`${path}: cannot save checkpoint: EIO: simulated rename failure`);
    expect(await readdir(dir)).toEqual([]);
  });

  it("keeps the previous checkpoint intact when overwriting fails", async () => {
    const path = join(dir, "c.ckpt");
    await saveCheckpoint(path, input());
    const before = await readFile(path);
    fsHooks.failRename = true;
    await expect(saveCheckpoint(path, input({ weights: initWeights(config, 99) }))).rejects.toThrow(
      CheckpointError,
    );
    expect(await readdir(dir)).toEqual(["c.ckpt"]);
    expect(await readFile(path)).toEqual(before);
  });

  it("cleans up when the target is a directory (real rename failure)", async () => {
    const path = join(dir, "taken");
    await mkdir(path);
    await writeFile(join(path, "keep"), "x");
    await expect(saveCheckpoint(path, input())).rejects.toThrow(CheckpointError);
    expect((await readdir(dir)).sort()).toEqual(["taken"]);
  });

  it("overwrites an existing checkpoint", async () => {
    const path = join(dir, "d.ckpt");
    await saveCheckpoint(path, input());
    const other = input({ weights: initWeights(config, 5), metadata: { step: 2 } });
    await saveCheckpoint(path, other);
    const ckpt = await loadCheckpoint(path);
    expect(ckpt.metadata).toEqual({ step: 2 });
    expect(ckpt.weights.get("tok_emb")).toEqual(other.weights.get("tok_emb"));
  });

  it("validates before touching the disk", async () => {
    const path = join(dir, "e.ckpt");
    const weights = initWeights(config, 1);
    weights.delete("l1.wo");
    weights.set("l0.wq", new Float32Array(3));
    weights.set("extra", new Float32Array(1));
    const err = await saveCheckpoint(path, input({ weights })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CheckpointError);
    const msg = (err as Error).message;
    expect(msg).toContain(path);
    expect(msg).toContain("l0.wq has 3 values, expected 64");
    expect(msg).toContain("unexpected extra");
    expect(msg).toContain("missing l1.wo");
    await expect(saveCheckpoint(path, input({ config: { ...config, heads: 3 } }))).rejects.toThrow(
      /invalid config/,
    );
    await expect(saveCheckpoint(path, input({ tokenizerIdentity: "" }))).rejects.toThrow(/hex string/);
    await expect(
      saveCheckpoint(path, input({ dtype: "bfloat16" as SaveCheckpointInput["dtype"] })),
    ).rejects.toThrow(/unknown dtype/);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    await expect(saveCheckpoint(path, input({ metadata: cyclic }))).rejects.toThrow(/not JSON-serialisable/);
    expect(await readdir(dir)).toEqual([]);
  });

  it("refuses float16 when a finite weight would overflow to infinity", () => {
    const weights = initWeights(config, 1);
    weights.get("l0.wv")![5] = 70000;
    expect(() => encodeCheckpoint(input({ weights, dtype: "float16" }))).toThrow(
      /l0.wv\[5\] = 70000 is outside the float16 range/,
    );
    expect(() => encodeCheckpoint(input({ weights, dtype: "float32" }))).not.toThrow();
  });
});

describe("assertSameTokenizer", () => {
  const draft = { tokenizerIdentity: "0123456789abcdef", config: { vocabSize: 2048 } };

  it("accepts the same identity (case-insensitively) and vocabulary", () => {
    expect(() =>
      assertSameTokenizer(draft, { ...draft, tokenizerIdentity: "0123456789ABCDEF" }),
    ).not.toThrow();
  });

  it("names both identities when they differ", () => {
    const target = { tokenizerIdentity: "fedcba9876543210", config: { vocabSize: 2048 } };
    expect(() => assertSameTokenizer(draft, target)).toThrow(
      new CheckpointError("tokenizer mismatch: draft uses 01234567, target uses fedcba98"),
    );
    expect(() => assertSameTokenizer(draft, target, ["a.ckpt", "b.ckpt"])).toThrow(
      "tokenizer mismatch: a.ckpt uses 01234567, b.ckpt uses fedcba98",
    );
  });

  it("rejects differing vocabulary sizes even with equal identities", () => {
    const target = { ...draft, config: { vocabSize: 4096 } };
    expect(() => assertSameTokenizer(draft, target)).toThrow(CheckpointError);
    expect(() => assertSameTokenizer(draft, target)).toThrow(
      "tokenizer mismatch: draft uses 01234567, target uses 01234567 (vocabSize 2048 vs 4096)",
    );
  });

  it("works on loaded checkpoints", () => {
    const a = readCheckpointBytes(encodeCheckpoint(input()));
    const b = readCheckpointBytes(encodeCheckpoint(input({ tokenizerIdentity: "ffff0000" })));
    expect(() => assertSameTokenizer(a, a)).not.toThrow();
    expect(() => assertSameTokenizer(a, b)).toThrow(/draft uses 01234567, target uses ffff0000/);
  });
});
