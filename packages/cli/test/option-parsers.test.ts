import { Command } from "commander";
import { describe, expect, it } from "vitest";
import { nonNegativeInt, positiveInt, positiveNumber } from "../src/option-parsers.js";

describe("option parsers", () => {
  it("accept what they promise", () => {
    expect(positiveInt("3")).toBe(3);
    expect(nonNegativeInt("0")).toBe(0);
    expect(nonNegativeInt("30")).toBe(30);
    expect(positiveNumber("5e-4")).toBe(5e-4);
  });

  it("refuse everything else, naming the value", () => {
    for (const bad of ["abc", "", " ", "1.5", "-1", "NaN"]) {
      expect(() => nonNegativeInt(bad), bad).toThrow(`expected an integer ≥ 0, got "${bad}"`);
    }
    for (const bad of ["0", "2.5", "x"]) expect(() => positiveInt(bad), bad).toThrow("positive integer");
    for (const bad of ["0", "-1e-3", "NaN", "lr"])
      expect(() => positiveNumber(bad), bad).toThrow("positive number");
  });

  it("make commander name the flag", () => {
    const program = new Command().exitOverride().configureOutput({ writeErr: () => {} });
    program.option("--warmup <n>", "warm-up steps", nonNegativeInt);
    expect(() => program.parse(["--warmup", "abc"], { from: "user" })).toThrow(
      `option '--warmup <n>' argument 'abc' is invalid. expected an integer ≥ 0, got "abc"`,
    );
  });
});
