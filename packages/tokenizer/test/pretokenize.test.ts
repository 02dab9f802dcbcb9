import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { pretokenize } from "../src/index.js";

describe("pretokenize", () => {
  it("splits words with their leading space, single digits, punctuation and whitespace", () => {
    expect(pretokenize("I have 123 apples, don't you?")).toEqual([
      "I",
      " have",
      " ",
      "1",
      "2",
      "3",
      " apples",
      ",",
      " don",
      "'t",
      " you",
      "?",
    ]);
    expect(pretokenize("3 * 4 = 12\n#### 12")).toEqual([
      "3",
      " *",
      " ",
      "4",
      " =",
      " ",
      "1",
      "2",
      "\n",
      "####",
      " ",
      "1",
      "2",
    ]);
    expect(pretokenize("a   b")).toEqual(["a", "  ", " b"]);
  });

  it("covers every code unit, lone surrogates included", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary" }), (s) => pretokenize(s).join("") === s),
      { numRuns: 300 },
    );
    fc.assert(
      fc.property(
        fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)) }),
        (s) => {
          return pretokenize(s).join("") === s;
        },
      ),
      { numRuns: 300 },
    );
  });
});
