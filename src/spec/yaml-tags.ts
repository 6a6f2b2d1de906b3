// Markers for compose's `!reset` and `!override` YAML tags, carried through interpolation to merge.

/** `key: !reset ...` — the merged result has no value at this key (or an empty one). */
export class ResetTag {
  // A brand, so that narrowing `unknown` by `isResetTag` does not exclude every object.
  readonly kind = 'reset';
}

/** `key: !override value` — the merged result takes this value whole instead of merging. */
export class OverrideTag {
  constructor(readonly value: unknown) {}
}

export function isResetTag(value: unknown): value is ResetTag {
  return value instanceof ResetTag;
}

export function isOverrideTag(value: unknown): value is OverrideTag {
  return value instanceof OverrideTag;
}
