// The three helpers Oxc's legacy-decorator output imports from `@oxc-project/runtime/helpers/…` (a package
// only Vite provides): typescriptHooks.mjs resolves those imports here, as `?helper=<name>`. The same
// semantics as TypeScript's emitted `__decorate`, `__metadata` and `__param`.

/** Applies `decorators` (last first) to a class (`decorate(ds, C)`) or a member (`decorate(ds, proto, key, descriptor | null)`). */
export function decorate(decorators, target, key, descriptor) {
  const forClass = arguments.length < 3;
  let result = forClass ? target : descriptor === null ? (descriptor = Object.getOwnPropertyDescriptor(target, key)) : descriptor;
  if (typeof Reflect === 'object' && typeof Reflect.decorate === 'function') {
    result = forClass ? Reflect.decorate(decorators, target) : Reflect.decorate(decorators, target, key, descriptor);
  } else {
    for (let i = decorators.length - 1; i >= 0; i--) {
      const d = decorators[i];
      if (d) result = (forClass ? d(result) : arguments.length > 3 ? d(target, key, result) : d(target, key)) || result;
    }
  }
  if (arguments.length > 3 && result) Object.defineProperty(target, key, result);
  return result;
}

/** `design:*` metadata, through reflect-metadata when it is loaded (else nothing). */
export function decorateMetadata(key, value) {
  if (typeof Reflect === 'object' && typeof Reflect.metadata === 'function') return Reflect.metadata(key, value);
  return undefined;
}

/** A parameter decorator as a member decorator. */
export function decorateParam(index, decorator) {
  return (target, key) => decorator(target, key, index);
}
