// An engine with some of its methods replaced for one test (to hold a read, count calls, fail a write), the rest
// passed through to the real engine, bound to it.

import type { Engine } from '../../src/engine/types.js';

export function withOverrides(engine: Engine, overrides: Partial<Engine>): Engine {
  return new Proxy(engine, {
    get: (target, name) => {
      const override = overrides[name as keyof Engine];
      if (override) return override;
      const value = Reflect.get(target, name);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  }) as Engine;
}
