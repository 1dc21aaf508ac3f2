/**
 * Schemas are plain objects of option declarations; each service declares its own
 * groups and the process wiring merges them, as oslo.config's register_opts does.
 */
import type { ConfigSchema } from './options.js';

/** Identity with a constraint: keeps the literal shape and checks it is a schema. */
export function defineSchema<const S extends ConfigSchema>(schema: S): S {
  return schema;
}

type Simplify<T> = { [K in keyof T]: T[K] } & {};

/** The schema with every group of A and B; a group in both holds both sets of options. */
export type MergedSchema<A extends ConfigSchema, B extends ConfigSchema> = {
  [G in keyof A | keyof B]: Simplify<(G extends keyof A ? A[G] : unknown) & (G extends keyof B ? B[G] : unknown)>;
};

/**
 * Merges two schemas into a new one (the inputs are not changed). Declaring the same
 * option twice is allowed only with the very same declaration object (two services
 * sharing one `debug` option); two different declarations of one name throw, since
 * one of them would silently lose its default or type.
 */
export function mergeSchemas<A extends ConfigSchema, B extends ConfigSchema>(a: A, b: B): MergedSchema<A, B> {
  const merged: ConfigSchema = {};
  for (const source of [a, b]) {
    for (const [group, options] of Object.entries(source)) {
      const target = (merged[group] ??= {});
      for (const [name, option] of Object.entries(options)) {
        const existing = target[name];
        if (existing !== undefined && existing !== option) {
          throw new TypeError(`option [${group}] ${name} is declared twice with different definitions`);
        }
        target[name] = option;
      }
    }
  }
  // The loop above builds exactly the mapped type; TypeScript cannot follow it through Object.entries.
  return merged as MergedSchema<A, B>;
}
