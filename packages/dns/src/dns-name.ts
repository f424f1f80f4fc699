/**
 * Domain-name helpers shared by the config parser and the zone. Names are kept in presentation
 * form without the trailing dot, as dns-packet decodes them.
 */

const LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

/** Wire limit of a name: 255 octets, i.e. 253 characters in dotted form without the root dot. */
export const NAME_CHARS_MAX = 253;

/**
 * Lower-cases A-Z only. DNS compares names ASCII-case-insensitively (RFC 4343); `toLowerCase`
 * would also fold non-ASCII characters such as the Kelvin sign into `k` and match names that
 * are not ours.
 */
export function asciiLower(name: string): string {
  return /[A-Z]/.test(name) ? name.replace(/[A-Z]+/g, (s) => s.toLowerCase()) : name;
}

/** Drops one trailing root dot: `a.b.` and `a.b` name the same node. */
export function withoutRootDot(name: string): string {
  return name.endsWith('.') ? name.slice(0, -1) : name;
}

/**
 * A host name we are willing to serve or advertise: letters, digits and inner hyphens in each
 * label (RFC 952/1123), every label 1-63 characters, at most 253 characters in all. Expects a
 * lower-case name.
 */
export function isHostName(name: string): boolean {
  if (name.length === 0 || name.length > NAME_CHARS_MAX) return false;
  return name.split('.').every((label) => LABEL.test(label));
}

/**
 * The part of `name` left of `zone` (`a.b` for `a.b.<zone>`), `''` for the apex itself, or
 * undefined when the name is outside the zone. Both must be lower-case, without root dot.
 */
export function relativeName(name: string, zone: string): string | undefined {
  if (name === zone) return '';
  if (name.length > zone.length && name.endsWith(zone) && name[name.length - zone.length - 1] === '.')
    return name.slice(0, name.length - zone.length - 1);
  return undefined;
}
