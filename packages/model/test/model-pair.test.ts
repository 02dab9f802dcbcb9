import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { defaultModelPaths, servingDraftPath } from "../src/index.js";

describe("servingDraftPath", () => {
  it("serves the distilled draft when the models directory has one, else the pretrained draft", async () => {
    const dir = await mkdtemp(join(tmpdir(), "models-"));
    try {
      const paths = defaultModelPaths(dir);
      expect(servingDraftPath(dir)).toBe(paths.draft);
      await writeFile(paths.distilledDraft, "");
      expect(servingDraftPath(dir)).toBe(paths.distilledDraft);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
