// Each route's request schemas compiled by Ajv when the route is first called, not while the server starts:
// compiling them all was about a fifth of a start's CPU, and most routes are not called in a node's first
// seconds. The validation itself, its errors and the messages naming the field are Ajv's as before.

/** What this needs of an Ajv instance (Fastify's own, handed over by its `ajv.onCreate` option). */
interface AjvLike {
  compile(schema: unknown): ValidateFunction;
}

// `any` for the context: Ajv types it, this only passes it on.
type ValidateFunction = ((data: unknown, context?: any) => unknown) & { errors?: unknown; schemaEnv?: unknown };

/**
 * The schemas handed over but not compiled yet. A schema Ajv refuses would otherwise surface only as a 500 on
 * its route's first request: compilePendingSchemas lets a test (test/unit/routeSchemas.test.ts) compile them all
 * at once. A schema leaves the set once compiled.
 */
const pending = new Set<() => void>();

/**
 * Replaces `ajv.compile` with one that defers the work to the first validation. The function Fastify gets has
 * `schemaEnv` set, as Ajv's own have, so Fastify passes the parent object along (Ajv needs it to change a root
 * value), and its `errors` are the compiled function's after each call, as Fastify reads them.
 */
export function compileOnFirstUse(ajv: AjvLike): void {
  const compile = ajv.compile.bind(ajv);
  ajv.compile = (schema: unknown) => {
    let compiled: ValidateFunction | undefined;
    const compileNow = () => {
      pending.delete(compileNow);
      return (compiled ??= compile(schema));
    };
    pending.add(compileNow);
    const validate: ValidateFunction = (data, context) => {
      const valid = (compiled ?? compileNow())(data, context);
      validate.errors = compiled!.errors;
      return valid;
    };
    validate.schemaEnv = true;
    return validate;
  };
}

/** Compiles every schema not compiled yet (Ajv throws for one it cannot compile); returns how many it compiled. */
export function compilePendingSchemas(): number {
  const now = [...pending];
  for (const compileNow of now) compileNow();
  return now.length;
}
