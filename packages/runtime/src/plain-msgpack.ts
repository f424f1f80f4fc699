/**
 * The msgpackr options of every byte trellis puts on the wire or into a digest: plain, standard
 * msgpack (no records/structures extension, no msgpackr-specific types, shortest map headers),
 * so the same value always gives the same bytes and any msgpack implementation reads them.
 * (An options object only: this package depends on nothing.)
 */
export const plainMsgpackOptions = Object.freeze({
  useRecords: false,
  moreTypes: false,
  bundleStrings: false,
  variableMapSize: true,
  mapsAsObjects: true,
  // Never BigInt: a peer's 64-bit integer becomes a number, which the receiver validates.
  int64AsType: 'number',
} as const);
