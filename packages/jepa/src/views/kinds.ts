// The kinds of JEPA's second view (`--views`); their order is `--aux transform`'s classes, saved in
// its head's weights, so a kind is only ever appended.
export const VIEW_KINDS = ['crop', 'synonym', 'hypernym', 'hyponym', 'antonym', 'mask', 'noise'] as const;
export type ViewKind = (typeof VIEW_KINDS)[number];
