import { readSmallFile } from './config-file.js';

/**
 * The gid of a group named in /etc/group (Node has no getgrnam). Groups from other sources
 * (LDAP, sssd) are not listed there: give their numeric gid instead.
 */
export async function groupId(group: string | number, groupFile = '/etc/group'): Promise<number | string> {
  if (typeof group === 'number') return group;
  const read = await readSmallFile(groupFile);
  if (!read.ok) return `${groupFile} ${read.message}; give the numeric gid instead`;
  for (const line of read.text.split('\n')) {
    const [name, , gid] = line.split(':');
    if (name === group && gid !== undefined && /^\d+$/.test(gid)) return Number(gid);
  }
  return `there is no group "${group}" in ${groupFile}; create it, or give a numeric gid`;
}
