import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from './atomic-file.js';

/** The plugin's file name: the `type` of the conflist's ipam section. */
export const pluginName = 'trellis';

/** The plugin's module in this package (dist/src/cni-plugin/plugin-main.js). */
const pluginModule = new URL('../cni-plugin/plugin-main.js', import.meta.url).href;

/**
 * The launcher installed as `<binDir>/trellis`: this node binary, then the plugin module of
 * this package by absolute URL, so the plugin is always the agent's own version. A launcher
 * in a directory without a package.json is a CommonJS script: `import()` works there.
 */
export function launcherText(nodePath: string, moduleUrl = pluginModule): string {
  return [
    `#!${nodePath}`,
    '// Installed by trellis-agent at start: the trellis CNI IPAM plugin (do not edit; rewritten).',
    `import(${JSON.stringify(moduleUrl)}).then(`,
    '  (m) => m.main(),',
    '  (e) => {',
    `    process.stdout.write(JSON.stringify({ cniVersion: '1.0.0', code: 5, msg: 'the trellis plugin cannot load: ' + e.message }) + '\\n');`,
    '    process.exit(1);',
    '  },',
    ');',
    '',
  ].join('\n');
}

/** Writes the launcher into `binDir` (made if missing), mode 0755, whole or not at all. */
export async function installPlugin(binDir: string): Promise<string> {
  await mkdir(binDir, { recursive: true, mode: 0o755 });
  const path = join(binDir, pluginName);
  await writeFileAtomic(path, launcherText(process.execPath), 0o755);
  return path;
}
