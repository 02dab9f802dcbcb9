import { lstat, readlink, symlink, unlink } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import {
  createPluginHost,
  type DivergenceDefinition,
  defineDivergence,
  evaluateDivergence,
  PLUGIN_API_VERSION,
  PluginError,
  PluginOptionsError,
} from "../src/index.js";

// The plugin host against real packages: the workspace divergences and a third-party package that lives
// outside the workspace (test-fixtures/third-party-plugin), loaded by its npm name.

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
const fixture = join(root, "test-fixtures/third-party-plugin");
const HELLINGER = "distillspec-divergence-hellinger";

/** Links the fixture into node_modules as an installed package would be (idempotent, race-tolerant). */
async function linkFixture(): Promise<void> {
  const link = join(root, "node_modules", HELLINGER);
  const target = "../test-fixtures/third-party-plugin";
  try {
    const stat = await lstat(link);
    if (stat.isSymbolicLink() && (await readlink(link)) === target) return;
    await unlink(link);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  try {
    await symlink(target, link, "dir");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
  }
}

function fakeDivergence(name: string, id: string, apiVersion = PLUGIN_API_VERSION): DivergenceDefinition {
  return defineDivergence({
    meta: { name, version: "2.3.4", apiVersion },
    id,
    create: () => ({ id, compute: (ops, { p }) => ops.sumLast(ops.mul(p, ops.scalar(0))) }),
  });
}

async function rejection(promise: Promise<unknown>): Promise<PluginError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(PluginError);
    return error as PluginError;
  }
  throw new Error("expected a rejection");
}

function thrown(fn: () => unknown): PluginError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(PluginError);
    return error as PluginError;
  }
  throw new Error("expected an error");
}

beforeAll(linkFixture);

describe("plugin host", () => {
  it("loads a third-party plugin by package name and evaluates it eagerly", async () => {
    const host = createPluginHost({ allow: [HELLINGER] });
    const definition = await host.load(HELLINGER);
    expect(definition.kind).toBe("divergence");
    expect(definition.id).toBe("hellinger");
    expect(host.list()).toEqual([
      { id: "hellinger", kind: "divergence", packageName: HELLINGER, version: "1.0.0" },
    ]);
    const hellinger = host.create("divergence", "hellinger", {});
    // ½ Σ (√p − √q)² by hand.
    const p = [0.64, 0.36, 0];
    const q = [0.16, 0.0, 0.84];
    const expected = 0.5 * ((0.8 - 0.4) ** 2 + 0.6 ** 2 + Math.sqrt(0.84) ** 2);
    expect(evaluateDivergence(hellinger, p, q)).toBeCloseTo(expected, 14);
    expect(evaluateDivergence(hellinger, p, p)).toBe(0);
    // Loading again is a no-op, not a duplicate.
    expect(await host.load(HELLINGER)).toBe(definition);
    expect(() => host.create("divergence", "hellinger", { scale: 2 })).toThrow(PluginOptionsError);
  });

  it("accepts a resolver (e.g. a path) for where a name is imported from", async () => {
    const host = createPluginHost({
      allow: [HELLINGER],
      resolve: () => pathToFileURL(join(fixture, "index.js")).href,
    });
    expect((await host.load(HELLINGER)).id).toBe("hellinger");
  });

  it("loads the workspace divergences by name", async () => {
    const names = ["fkl", "rkl", "jsd", "tvd"].map((id) => `@distillspec/divergence-${id}`);
    const host = createPluginHost({ allow: names });
    for (const name of names) await host.load(name);
    expect(host.list().map((i) => i.id)).toEqual(["fkl", "jsd", "rkl", "tvd"]);
    const jsd = host.create("divergence", "jsd", { beta: 0.5 });
    expect(evaluateDivergence(jsd, [1, 0], [0, 1])).toBeCloseTo(Math.LN2, 15);
  });

  it("refuses packages that are not on the allow-list before importing them", async () => {
    const host = createPluginHost({ allow: ["@distillspec/divergence-fkl"] });
    const error = await rejection(host.load(HELLINGER));
    expect(error.status).toBe("INVALID_ARGUMENT");
    expect(error.message).toMatch(/"distillspec-divergence-hellinger" is not on the allow-list/);
    expect(error.message).toMatch(/@distillspec\/divergence-fkl/);
  });

  it("reports an allowed package that cannot be imported", async () => {
    const host = createPluginHost({ allow: ["distillspec-no-such-plugin"] });
    const error = await rejection(host.load("distillspec-no-such-plugin"));
    expect(error.status).toBe("FAILED_PRECONDITION");
    expect(error.message).toMatch(/cannot import plugin package "distillspec-no-such-plugin"/);
  });

  it("rejects a plugin written for another API version, naming both versions", () => {
    const host = createPluginHost({ allow: [] });
    const error = thrown(() => host.register(fakeDivergence("@acme/future", "future", 2)));
    expect(error.status).toBe("FAILED_PRECONDITION");
    expect(error.message).toMatch(/@acme\/future/);
    expect(error.message).toMatch(/version 2/);
    expect(error.message).toMatch(new RegExp(`version ${PLUGIN_API_VERSION}`));
  });

  it("rejects malformed definitions with a clear message", () => {
    const host = createPluginHost({ allow: [] });
    const base = fakeDivergence("@acme/bad", "bad");
    const cases: [unknown, RegExp][] = [
      [null, /default export must be a plugin definition object, got null/],
      [{ ...base, meta: undefined }, /missing `meta`/],
      [{ ...base, meta: { ...base.meta, version: 3 } }, /meta.version/],
      [{ ...base, kind: "loss" }, /kind must be one of divergence, data-generator, acceptance-rule/],
      [{ ...base, id: "" }, /id must be a non-empty string/],
      [{ ...base, create: undefined }, /create must be a function/],
    ];
    for (const [definition, message] of cases) {
      const error = thrown(() => host.register(definition as DivergenceDefinition, "@acme/bad"));
      expect(error.status).toBe("INVALID_ARGUMENT");
      expect(error.message).toMatch(message);
    }
    expect(host.list()).toEqual([]);
  });

  it("rejects a package whose meta.name is not its package name", async () => {
    const host = createPluginHost({
      allow: ["@acme/renamed"],
      resolve: () => pathToFileURL(join(fixture, "index.js")).href,
    });
    const error = await rejection(host.load("@acme/renamed"));
    expect(error.status).toBe("INVALID_ARGUMENT");
    expect(error.message).toMatch(/meta.name is "distillspec-divergence-hellinger"/);
  });

  it("rejects duplicate ids per kind, naming both packages", async () => {
    const host = createPluginHost({ allow: ["@distillspec/divergence-fkl"] });
    await host.load("@distillspec/divergence-fkl");
    const error = thrown(() => host.register(fakeDivergence("@acme/my-fkl", "fkl")));
    expect(error.status).toBe("INVALID_ARGUMENT");
    expect(error.message).toMatch(/duplicate divergence id "fkl"/);
    expect(error.message).toMatch(/"@distillspec\/divergence-fkl" and "@acme\/my-fkl"/);
    // The same id under another kind is fine.
    const rule = {
      ...fakeDivergence("@acme/rule", "fkl"),
      kind: "acceptance-rule",
    } as unknown as DivergenceDefinition;
    host.register(rule);
    expect(host.list().map((i) => `${i.kind}:${i.id}`)).toEqual(["acceptance-rule:fkl", "divergence:fkl"]);
  });

  it("wraps option validation errors as PluginOptionsError naming the plugin", async () => {
    const host = createPluginHost({ allow: ["@distillspec/divergence-jsd"] });
    await host.load("@distillspec/divergence-jsd");
    const error = thrown(() => host.create("divergence", "jsd", { beta: 2 }));
    expect(error).toBeInstanceOf(PluginOptionsError);
    expect(error.status).toBe("INVALID_ARGUMENT");
    expect(error.message).toMatch(/divergence "jsd" \(plugin "@distillspec\/divergence-jsd"\)/);
    expect(error.message).toMatch(/beta must be a number in \(0, 1\), got 2/);
    expect(error.cause).toBeInstanceOf(RangeError);
  });

  it("names the available ids for an unknown id", () => {
    const host = createPluginHost({ allow: [] });
    host.register(fakeDivergence("@acme/a", "alpha"));
    host.register(fakeDivergence("@acme/b", "beta"));
    const error = thrown(() => host.get("divergence", "gamma"));
    expect(error.status).toBe("INVALID_ARGUMENT");
    expect(error.message).toBe('unknown divergence "gamma"; available: alpha, beta');
    expect(thrown(() => host.create("data-generator", "on-policy")).message).toMatch(/\(none loaded\)/);
  });
});
