/**
 * The one rule that turns a task or framework name into a DNS label, the same on every node:
 *
 * 1. lower-case (ASCII);
 * 2. every character outside `a-z`, `0-9` and `-` becomes `-` (non-ASCII letters included);
 * 3. runs of `-` collapse to one;
 * 4. leading and trailing `-` are dropped;
 * 5. cut to 63 characters (the DNS label limit), then trailing `-` dropped again.
 *
 * So `/prod/Web.v2` gives `prod-web-v2`. Lower-casing is ASCII only: `toLowerCase()` would turn
 * the Kelvin sign into `k`, and `İ` into `i` plus a combining dot.
 *
 * The result may be empty (a name of only punctuation): such a task gets no DNS name, and
 * `publish` refuses it with an InvalidArgumentError.
 */
export function dnsLabel(name: string): string {
  const label = name
    .replace(/[A-Z]/g, (c) => c.toLowerCase())
    .replace(/[^a-z0-9-]/g, '-')
    .replace(/-+/g, '-')
    .replace(/^-|-$/g, '');
  return label.slice(0, 63).replace(/-$/, '');
}
