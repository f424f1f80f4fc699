/**
 * Why a secret file (a private key, a token) may not be used, or undefined: like ssh, the agent
 * refuses a secret that someone besides its owner could read, and an owner other than root or
 * the agent's own user, since whoever reads it can act as this agent.
 */
export function secretFileProblem(
  file: string,
  read: { readonly mode: number; readonly uid: number },
  what: string,
): string | undefined {
  const euid = process.geteuid?.() ?? 0;
  if (read.uid !== 0 && read.uid !== euid)
    return `${file} belongs to uid ${read.uid}, who can read it: chown it to root or uid ${euid}`;
  if ((read.mode & 0o077) !== 0)
    return `${file} has mode 0${read.mode.toString(8)}: ${what} must not be readable or writable by group or others; chmod 600 ${file}`;
  return undefined;
}
