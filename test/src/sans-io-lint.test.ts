import test from 'ava';
import { ESLint, type Linter } from 'eslint';
import tseslint from 'typescript-eslint';

const root = new URL('../..', import.meta.url).pathname;
// The rule block the repository's eslint.config.js applies to the sans-IO cores.
const { sansIoRules } = (await import(`${root}eslint.config.js`)) as { sansIoRules: Linter.Config };

async function lint(code: string, filePath: string): Promise<string[]> {
  const eslint = new ESLint({
    cwd: root,
    overrideConfigFile: true,
    overrideConfig: [{ files: ['**/*.ts'], languageOptions: { parser: tseslint.parser } }, sansIoRules],
  });
  const [result] = await eslint.lintText(code, { filePath: `${root}${filePath}` });
  return (result?.messages ?? []).map((m) => m.ruleId ?? m.message);
}

const forbidden: readonly [string, string][] = [
  ['export const t = Date.now();', 'no-restricted-globals'],
  ['setTimeout(() => undefined, 1);', 'no-restricted-globals'],
  ['setInterval(() => undefined, 1);', 'no-restricted-globals'],
  ['export const r = Math.random();', 'no-restricted-properties'],
  ['export const p = performance.now();', 'no-restricted-globals'],
  ['export const e = process.env;', 'no-restricted-globals'],
  ["import { createSocket } from 'node:dgram'; export { createSocket };", 'no-restricted-imports'],
  ["import { randomBytes } from 'crypto'; export { randomBytes };", 'no-restricted-syntax'],
];

for (const core of ['runtime', 'membership', 'swim', 'routes', 'tasks', 'node/src/core']) {
  const path = core.includes('/') ? `packages/${core}/probe.ts` : `packages/${core}/src/probe.ts`;
  test(`the sans-IO rule forbids clocks, randomness and I/O in ${core}`, async (t) => {
    for (const [code, rule] of forbidden)
      t.true((await lint(code, path)).includes(rule), `${code} in ${path}`);
    t.deepEqual(await lint('export const ok = (now: number) => now + 1;', path), []);
  });
}

test('drivers outside the cores may use clocks and node built-ins', async (t) => {
  t.deepEqual(await lint('export const t = Date.now();', 'packages/node/src/real-scheduler.ts'), []);
});
