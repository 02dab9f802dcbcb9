/** Largest |a − b| between logits computed in pieces (concatenated in order) and in one pass. */
export function maxDiffAgainstPieces(whole: Float32Array, pieces: readonly Float32Array[]): number {
  const joined = new Float32Array(whole.length);
  let offset = 0;
  for (const piece of pieces) {
    joined.set(piece, offset);
    offset += piece.length;
  }
  if (offset !== whole.length) throw new Error(`pieces hold ${offset} values, the whole ${whole.length}`);
  let maxDiff = 0;
  for (let i = 0; i < whole.length; i++) maxDiff = Math.max(maxDiff, Math.abs(whole[i] - joined[i]));
  return maxDiff;
}
