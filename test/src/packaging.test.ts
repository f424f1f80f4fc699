import test from 'ava';
import { copyFile, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  packAndInstall,
  packageNames,
  repoRoot,
  runIn,
  tarballFiles,
  type PackedInstall,
} from './helpers/packed-install.js';

/**
 * The packages as a new user gets them: packed, installed from the tarballs into a project
 * outside the repository, then used from plain JavaScript and from strict TypeScript that checks
 * every declaration file it reaches (`skipLibCheck: false`).
 */
const typesNode = (
  JSON.parse(await readFile(join(repoRoot, 'node_modules/@types/node/package.json'), 'utf8')) as {
    version: string;
  }
).version;

let installed: PackedInstall | undefined;

test.before(async () => {
  installed = await packAndInstall([`@types/node@${typesNode}`]);
});

test.after.always(async () => {
  if (installed !== undefined) await rm(installed.dir, { recursive: true, force: true });
});

function project(): PackedInstall {
  if (installed === undefined) throw new Error('the packed install did not run');
  return installed;
}

test('every package is packed with its license, metadata and the sources its maps point to', async (t) => {
  const names = await packageNames();
  t.deepEqual([...project().tarballs.keys()].sort(), names);
  for (const [name, tarball] of project().tarballs) {
    const files = new Set(await tarballFiles(tarball));
    t.true(files.has('package/LICENSE'), `${name}: LICENSE`);
    t.true(files.has('package/README.md'), `${name}: README.md`);
    // The agent installs its CNI plugin from this one bundled file (plugin-install.ts).
    if (name === '@trellis/vxlan-agent')
      t.true(files.has('package/dist/src/cni-plugin/plugin.cjs'), `${name}: the CNI plugin bundle`);
    t.false(
      [...files].some((f) => f.startsWith('package/test/') || f.includes('/dist/test/')),
      `${name}: no tests`,
    );
    const manifest = JSON.parse(
      await readFile(join(project().dir, 'node_modules', name, 'package.json'), 'utf8'),
    ) as Record<string, unknown>;
    t.truthy(manifest['engines'], `${name}: engines`);
    t.truthy(manifest['repository'], `${name}: repository`);
    t.not(manifest['sideEffects'], undefined, `${name}: sideEffects`);
    const maps = [...files].filter((f) => f.endsWith('.js.map') || f.endsWith('.d.ts.map'));
    t.true(maps.length > 0, `${name}: has maps`);
    for (const map of maps) {
      const json = JSON.parse(
        await readFile(join(project().dir, 'node_modules', name, map.slice(8)), 'utf8'),
      ) as {
        sources: string[];
      };
      for (const source of json.sources) {
        const resolved = join(map.slice(0, map.lastIndexOf('/')), source);
        t.true(files.has(resolved), `${name}: ${map} points to ${source}, which is in the tarball`);
      }
    }
  }
});

test('plain JavaScript imports every entry point, and the agent bin runs', async (t) => {
  const entries = [...(await packageNames()), '@trellis/store/testbed', '@trellis/vxlan-agent/testing'];
  const script = `
const entries = ${JSON.stringify(entries)};
for (const e of entries) {
  const m = await import(e);
  console.log(e, Object.keys(m).length);
}`;
  await writeFile(join(project().dir, 'entries.mjs'), script);
  const { stdout } = await runIn(project().dir, 'node', ['entries.mjs']);
  const counts = new Map(
    stdout
      .trim()
      .split('\n')
      .map((l) => l.split(' ') as [string, string]),
  );
  for (const e of entries) t.true(Number(counts.get(e)) > 0, `${e} exports something`);
  const help = await runIn(project().dir, 'node', ['node_modules/.bin/trellis-agent', '--help']);
  t.regex(help.stdout, /Usage: trellis-agent/);
});

test('strict TypeScript compiles the README examples against the tarballs and they run', async (t) => {
  const dir = project().dir;
  await mkdir(join(dir, 'src'), { recursive: true });
  const examples = {
    'node-example.ts': 'packages/node/test/readme/node-example.ts',
    'store-example.ts': 'packages/store/test/readme/example.ts',
    'swim-example.ts': 'packages/swim/test/readme/example.ts',
  };
  for (const [to, from] of Object.entries(examples))
    await copyFile(join(repoRoot, from), join(dir, 'src', to));
  const tsconfig = {
    compilerOptions: {
      target: 'ES2023',
      lib: ['ES2023'],
      module: 'NodeNext',
      moduleResolution: 'NodeNext',
      types: ['node'],
      strict: true,
      noUncheckedIndexedAccess: true,
      exactOptionalPropertyTypes: true,
      skipLibCheck: false,
      rootDir: 'src',
      outDir: 'dist',
    },
    include: ['src'],
  };
  await writeFile(join(dir, 'tsconfig.json'), JSON.stringify(tsconfig, null, 2));
  const tsc = join(repoRoot, 'node_modules/typescript/bin/tsc');
  const compiled = await runIn(dir, 'node', [tsc, '-p', '.']).catch((e: unknown) => ({
    stdout: (e as { stdout?: string }).stdout || (e instanceof Error ? e.message : 'tsc failed'),
  }));
  t.is(compiled.stdout, '', 'tsc reports no error');
  const node = await runIn(dir, 'node', ['dist/node-example.js']);
  t.regex(node.stdout, /members of b: \[ 'a', 'b' \]/);
  t.regex(node.stdout, /a reads \[ \{ key: 'cpus', value: 8, owner: 'b' \} \]/);
  for (const file of ['dist/store-example.js', 'dist/swim-example.js']) {
    const out = await runIn(dir, 'node', [file]);
    t.true(out.stdout.length > 0, `${file} prints what it shows`);
  }
});

test('the packages move in lockstep: one version, and siblings depend on exactly it', async (t) => {
  const lerna = JSON.parse(await readFile(join(repoRoot, 'lerna.json'), 'utf8')) as { version: string };
  for (const name of await packageNames()) {
    const dir = name.replace('@trellis/', '');
    const p = JSON.parse(await readFile(join(repoRoot, 'packages', dir, 'package.json'), 'utf8')) as {
      version: string;
      dependencies?: Record<string, string>;
      devDependencies?: Record<string, string>;
    };
    t.is(p.version, lerna.version, `${name}'s version`);
    const siblings = Object.entries({ ...p.dependencies, ...p.devDependencies }).filter(([d]) =>
      d.startsWith('@trellis/'),
    );
    for (const [dep, range] of siblings) t.is(range, lerna.version, `${name} -> ${dep}`);
  }
});
