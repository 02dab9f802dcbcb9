import { type AcceptanceRule, losslessRule } from "@distillspec/core";
import { createPluginHost } from "@distillspec/plugin-api";

// Acceptance rules the controller can use, by name. "lossless" is built in; lossy rules register here
// when their plugins are loaded.

export interface AcceptanceRuleFactory {
  id: string;
  packageName: string;
  version: string;
  /** Builds the rule from its JSON options; throws RangeError on invalid options. */
  create(options: unknown): AcceptanceRule;
}

export class AcceptanceRuleRegistry {
  private readonly factories = new Map<string, AcceptanceRuleFactory>();

  constructor() {
    this.register({
      id: "lossless",
      packageName: "@distillspec/core",
      version: "0.1.0",
      create: (options) => {
        if (options !== undefined && (typeof options !== "object" || Object.keys(options ?? {}).length > 0)) {
          throw new RangeError("the lossless rule takes no options");
        }
        return losslessRule;
      },
    });
  }

  register(factory: AcceptanceRuleFactory): void {
    if (this.factories.has(factory.id))
      throw new Error(`acceptance rule "${factory.id}" is already registered`);
    this.factories.set(factory.id, factory);
  }

  list(): AcceptanceRuleFactory[] {
    return [...this.factories.values()];
  }

  /** The rule named `id` ("" means lossless) with options parsed from JSON. */
  resolve(id: string, optionsJson: string): AcceptanceRule {
    const factory = this.factories.get(id || "lossless");
    if (!factory) {
      throw new RangeError(
        `unknown acceptance rule "${id}" (available: ${[...this.factories.keys()].join(", ")})`,
      );
    }
    let options: unknown;
    if (optionsJson) {
      try {
        options = JSON.parse(optionsJson);
      } catch {
        throw new RangeError(`acceptance rule options are not valid JSON: ${optionsJson.slice(0, 80)}`);
      }
    }
    return factory.create(options);
  }
}

/** The lossy rules shipped with distillspec; the controller loads these unless told otherwise. */
export const DEFAULT_ACCEPTANCE_PLUGINS = [
  "@distillspec/acceptance-lenience",
  "@distillspec/acceptance-typical",
  "@distillspec/acceptance-top-k",
];

/**
 * Loads acceptance-rule plugins by package name (each must be on the allow-list) and registers them.
 * Refuses a package that is not an acceptance rule.
 */
export async function loadAcceptancePlugins(
  registry: AcceptanceRuleRegistry,
  packages: readonly string[],
): Promise<void> {
  const host = createPluginHost({ allow: packages });
  for (const name of packages) {
    const definition = await host.load(name);
    if (definition.kind !== "acceptance-rule") {
      throw new Error(`plugin ${name} is a ${definition.kind}, not an acceptance rule`);
    }
    registry.register({
      id: definition.id,
      packageName: name,
      version: definition.meta.version,
      create: (options) => definition.create(options),
    });
  }
}
