#!/usr/bin/env -S MALLOC_ARENA_MAX=2 node --max-semi-space-size=4
// The CLI entry: the compiled bot/cli (built by `npm ci` through the prepare script).
//
// The settings above hold an archive run's peak RSS down (docs/performance.md; `npm run bench` shows the
// run with and without them) at no measurable cost in time: V8 otherwise grows its young
// generation to 3 × 16 MB under an archive's allocation rate, and glibc gives each of V8's
// background threads (compiler, GC helpers) a malloc arena of its own that keeps what they
// freed. `node bin/patchsentry.js` (as the tests run it) works the same without them.
import { main } from '../dist/bot/cli/main.js';

await main(process.argv);
