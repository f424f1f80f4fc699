import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeFileAtomic } from './atomic-file.js';

/** The plugin's file name: the `type` of the conflist's ipam section. */
export const pluginName = 'trellis';

/**
 * The plugin as one CommonJS file (dist/src/cni-plugin/plugin.cjs, bundled from plugin-main.js
 * by the package's `bundle` script): a runtime starts the plugin once per ADD and DEL, and one
 * `require` of one file costs about 10 ms less than the ES module loader resolving six.
 */
const pluginBundle = fileURLToPath(new URL('../cni-plugin/plugin.cjs', import.meta.url));

/**
 * The launcher installed as `<binDir>/trellis`: this node binary, then the plugin bundle of
 * this package by absolute path, so the plugin is always the agent's own version. A launcher
 * in a directory without a package.json is a CommonJS script.
 */
export function launcherText(nodePath: string, bundlePath = pluginBundle): string {
  return [
    `#!${nodePath}`,
    '// Installed by trellis-agent at start: the trellis CNI IPAM plugin (do not edit; rewritten).',
    'let plugin;',
    'try {',
    `  plugin = require(${JSON.stringify(bundlePath)});`,
    '} catch (e) {',
    `  process.stdout.write(JSON.stringify({ cniVersion: '1.0.0', code: 5, msg: 'the trellis plugin cannot load: ' + e.message }) + '\\n');`,
    '  process.exit(1);',
    '}',
    'plugin.main();',
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
