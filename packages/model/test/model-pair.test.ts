import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { defaultModelPaths, greedyDraftPath, servingDraftPath } from "../src/index.js";

describe("servingDraftPath", () => {
  it("serves the distilled drafts when the models directory has them, else the pretrained draft", async () => {
    const dir = await mkdtemp(join(tmpdir(), "models-"));
    try {
      const paths = defaultModelPaths(dir);
      expect(servingDraftPath(dir)).toBe(paths.draft);
      expect(greedyDraftPath(dir)).toBeUndefined();
      await writeFile(paths.distilledDraft, "");
      expect(servingDraftPath(dir)).toBe(paths.distilledDraft);
      await writeFile(paths.greedyDraft, "");
      expect(greedyDraftPath(dir)).toBe(paths.greedyDraft);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
