import { Ajv, type ValidateFunction } from 'ajv';
import type { FastifySchema } from 'fastify';

/**
 * Request-schema validation that compiles each schema on its first use instead of at
 * start-up. An API has hundreds of routes and compiling them all up front was the
 * largest part of start-up time; most of them are never called by a given client.
 * Options: no type coercion (OpenStack rejects "true" where a boolean is due), no
 * defaults inserted, unknown properties kept (services decide what extra means).
 */
export function lazyValidatorCompiler(): (route: { schema: FastifySchema }) => ValidateFunction {
  const ajv = new Ajv({ coerceTypes: false, useDefaults: false, removeAdditional: false, allErrors: false, strict: false });
  return ({ schema }) => {
    let compiled: ValidateFunction | undefined;
    const validate = ((data: unknown) => {
      compiled ??= ajv.compile(schema as object);
      const ok = compiled(data);
      validate.errors = compiled.errors ?? null;
      return ok;
    }) as ValidateFunction;
    validate.errors = null;
    return validate;
  };
}
