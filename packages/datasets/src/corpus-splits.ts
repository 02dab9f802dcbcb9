export interface CorpusSplits {
  train: string[];
  validation: string[];
  test: string[];
}

/**
 * Deterministic split by document position (callers pass documents in a stable order):
 * index % 10 === 0 goes to validation, index % 10 === 5 to test, the rest (~80%) to train.
 * Interleaving rather than cutting keeps every era of the corpus in every split.
 */
export function splitDocuments(documents: readonly string[]): CorpusSplits {
  const splits: CorpusSplits = { train: [], validation: [], test: [] };
  documents.forEach((doc, i) => {
    const slot = i % 10;
    if (slot === 0) splits.validation.push(doc);
    else if (slot === 5) splits.test.push(doc);
    else splits.train.push(doc);
  });
  return splits;
}
