#!/usr/bin/env -S node --max-semi-space-size=8 --no-concurrent-recompilation
// The CLI entry: the compiled bot/cli (built by `npm ci` through the prepare script).
//
// The V8 flags above hold an archive run's peak RSS down (issue 6; `npm run bench` shows the
// run with and without them): V8 otherwise grows the young generation to 3 × 16 MB under an
// archive's allocation rate, and its background optimizing compiler leaves ~20 MB in malloc
// arenas of its own threads. They cost a one-message run nothing. `node bin/patchsentry.js`
// (as the tests run it) works the same without them.
import { main } from '../dist/bot/cli/main.js';

await main(process.argv);
