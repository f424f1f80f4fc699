#!/usr/bin/env node
/* global process */
// The package's bin is this committed file, not the compiled one under dist/: npm links bins at
// install time, and in a fresh clone dist/ does not exist yet, so `npx trellis-agent` would not
// find a local bin and would go to the registry instead.
import('../dist/src/bin/trellis-agent.js').catch((error) => {
  if (
    error?.code === 'ERR_MODULE_NOT_FOUND' &&
    String(error.message).includes('dist/src/bin/trellis-agent.js')
  ) {
    process.stderr.write('trellis-agent: not built yet: run `npm run build` in the repository first\n');
  } else {
    process.stderr.write(`trellis-agent: ${error?.stack ?? String(error)}\n`);
  }
  process.exit(1);
});
