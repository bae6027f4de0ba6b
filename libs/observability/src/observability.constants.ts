/** The module options with every default applied. */
export const RESOLVED_OPTIONS = Symbol('OBSERVABILITY_RESOLVED_OPTIONS');
