import { PLUGIN_API_VERSION, type PluginDefinition, type PluginKind } from "./plugin-definition.js";

// Loads plugin packages by name, validates them, and hands out instances. Errors carry a gRPC status name
// in `status` so the transport maps them without this package depending on grpc.

export const PLUGIN_KINDS: readonly PluginKind[] = ["divergence", "data-generator", "acceptance-rule"];

export type PluginErrorStatus = "INVALID_ARGUMENT" | "FAILED_PRECONDITION";

export class PluginError extends Error {
  override name = "PluginError";
  constructor(
    message: string,
    readonly status: PluginErrorStatus,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** `create` rejected the options (the message names the plugin and the problem). */
export class PluginOptionsError extends PluginError {
  override name = "PluginOptionsError";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, "INVALID_ARGUMENT", options);
  }
}

export type PluginDefinitionOf<K extends PluginKind> = Extract<PluginDefinition, { kind: K }>;
export type PluginInstanceOf<K extends PluginKind> = ReturnType<PluginDefinitionOf<K>["create"]>;

export interface LoadedPluginInfo {
  id: string;
  kind: PluginKind;
  packageName: string;
  version: string;
}

export interface PluginHostOptions {
  /** Package names `load` may import; anything else is refused before import. */
  allow: readonly string[];
  /**
   * Maps a package name to what `import()` receives (a specifier, path URL…). Defaults to the name itself,
   * i.e. normal Node resolution from this package's node_modules chain.
   */
  resolve?: (packageName: string) => string;
}

export interface PluginHost {
  load(packageName: string): Promise<PluginDefinition>;
  /** Registers a definition object directly (tests, built-ins); `packageName` defaults to meta.name. */
  register(definition: PluginDefinition, packageName?: string): PluginDefinition;
  get<K extends PluginKind>(kind: K, id: string): PluginDefinitionOf<K>;
  create<K extends PluginKind>(kind: K, id: string, options?: unknown): PluginInstanceOf<K>;
  list(): LoadedPluginInfo[];
}

interface Entry {
  definition: PluginDefinition;
  packageName: string;
}

const describe = (value: unknown) =>
  value === null ? "null" : Array.isArray(value) ? "array" : typeof value;

/** Checks the shape of a would-be definition; `source` names where it came from in messages. */
export function validatePluginDefinition(value: unknown, source: string): PluginDefinition {
  const bad = (problem: string) => new PluginError(`plugin ${source}: ${problem}`, "INVALID_ARGUMENT");
  if (typeof value !== "object" || value === null) {
    throw bad(`the default export must be a plugin definition object, got ${describe(value)}`);
  }
  const def = value as Record<string, unknown>;
  const meta = def.meta as Record<string, unknown> | undefined;
  if (typeof meta !== "object" || meta === null) throw bad("missing `meta` { name, version, apiVersion }");
  if (typeof meta.name !== "string" || meta.name === "") throw bad("meta.name must be a non-empty string");
  if (typeof meta.version !== "string" || meta.version === "") {
    throw bad("meta.version must be a non-empty string");
  }
  if (typeof meta.apiVersion !== "number" || !Number.isInteger(meta.apiVersion)) {
    throw bad(`meta.apiVersion must be an integer, got ${describe(meta.apiVersion)}`);
  }
  // Checked before the rest: a plugin for another API version may legitimately have another shape.
  if (meta.apiVersion !== PLUGIN_API_VERSION) {
    throw new PluginError(
      `plugin ${source} was written for plugin API version ${meta.apiVersion}, ` +
        `but this host implements version ${PLUGIN_API_VERSION}`,
      "FAILED_PRECONDITION",
    );
  }
  if (typeof def.kind !== "string" || !PLUGIN_KINDS.includes(def.kind as PluginKind)) {
    throw bad(`kind must be one of ${PLUGIN_KINDS.join(", ")}, got ${JSON.stringify(def.kind)}`);
  }
  if (typeof def.id !== "string" || def.id.trim() === "") throw bad("id must be a non-empty string");
  if (typeof def.create !== "function") throw bad("create must be a function (options) => instance");
  return value as PluginDefinition;
}

export function createPluginHost(options: PluginHostOptions): PluginHost {
  const allow = new Set(options.allow);
  const resolve = options.resolve ?? ((name: string) => name);
  const byKind = new Map<PluginKind, Map<string, Entry>>(PLUGIN_KINDS.map((k) => [k, new Map()]));
  const loaded = new Map<string, PluginDefinition>();

  function add(definition: PluginDefinition, packageName: string): PluginDefinition {
    const ids = byKind.get(definition.kind)!;
    const existing = ids.get(definition.id);
    if (existing) {
      if (existing.definition === definition) return definition;
      throw new PluginError(
        `duplicate ${definition.kind} id "${definition.id}": provided by both "${existing.packageName}" ` +
          `and "${packageName}"`,
        "INVALID_ARGUMENT",
      );
    }
    ids.set(definition.id, { definition, packageName });
    return definition;
  }

  function entry(kind: PluginKind, id: string): Entry {
    const ids = byKind.get(kind);
    if (!ids) {
      throw new PluginError(
        `unknown plugin kind "${kind}"; kinds: ${PLUGIN_KINDS.join(", ")}`,
        "INVALID_ARGUMENT",
      );
    }
    const found = ids.get(id);
    if (!found) {
      const available = [...ids.keys()].sort();
      throw new PluginError(
        `unknown ${kind} "${id}"; available: ${available.length > 0 ? available.join(", ") : "(none loaded)"}`,
        "INVALID_ARGUMENT",
      );
    }
    return found;
  }

  return {
    async load(packageName) {
      if (!allow.has(packageName)) {
        const allowed = [...allow].sort();
        throw new PluginError(
          `plugin package "${packageName}" is not on the allow-list ` +
            `(allowed: ${allowed.length > 0 ? allowed.join(", ") : "none"})`,
          "INVALID_ARGUMENT",
        );
      }
      const already = loaded.get(packageName);
      if (already) return already;
      let module: { default?: unknown };
      try {
        module = await import(resolve(packageName));
      } catch (error) {
        // Allowed but not importable: a deployment problem, not a bad request.
        throw new PluginError(
          `cannot import plugin package "${packageName}": ${(error as Error)?.message ?? String(error)}`,
          "FAILED_PRECONDITION",
          { cause: error },
        );
      }
      const definition = validatePluginDefinition(module.default, `"${packageName}"`);
      if (definition.meta.name !== packageName) {
        throw new PluginError(
          `plugin "${packageName}": meta.name is "${definition.meta.name}", expected the package name`,
          "INVALID_ARGUMENT",
        );
      }
      add(definition, packageName);
      loaded.set(packageName, definition);
      return definition;
    },

    register(definition, packageName) {
      const source = packageName ?? (definition as { meta?: { name?: unknown } })?.meta?.name;
      const valid = validatePluginDefinition(
        definition,
        typeof source === "string" ? `"${source}"` : "(object)",
      );
      return add(valid, packageName ?? valid.meta.name);
    },

    get<K extends PluginKind>(kind: K, id: string) {
      return entry(kind, id).definition as PluginDefinitionOf<K>;
    },

    create<K extends PluginKind>(kind: K, id: string, options: unknown = {}) {
      const { definition, packageName } = entry(kind, id);
      let instance: unknown;
      try {
        instance = definition.create(options);
      } catch (error) {
        const problem = error instanceof Error ? error.message : String(error);
        throw new PluginOptionsError(
          `invalid options for ${kind} "${id}" (plugin "${packageName}"): ${problem}`,
          { cause: error },
        );
      }
      if (typeof instance !== "object" || instance === null) {
        throw new PluginError(
          `${kind} "${id}" (plugin "${packageName}"): create returned ${describe(instance)}, not an instance`,
          "INVALID_ARGUMENT",
        );
      }
      return instance as PluginInstanceOf<K>;
    },

    list() {
      const out: LoadedPluginInfo[] = [];
      for (const [kind, ids] of byKind) {
        for (const [id, { definition, packageName }] of ids) {
          out.push({ id, kind, packageName, version: definition.meta.version });
        }
      }
      return out.sort((a, b) => a.kind.localeCompare(b.kind) || a.id.localeCompare(b.id));
    },
  };
}
