/** @internal One policy decorator applied to a method. */
export interface PolicyDeclaration {
  readonly method: string | symbol;
  readonly kind: 'timeout' | 'retry' | 'circuitBreaker' | 'bulkhead' | 'fallback';
  readonly options: unknown;
}
