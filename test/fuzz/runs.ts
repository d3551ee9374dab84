// How many cases each property runs: a bounded number in `npm test`, more in `npm run fuzz`
// (FUZZ_RUNS=<n>). Test code may read the environment; the core never does.
export const RUNS = Number(process.env['FUZZ_RUNS'] ?? '') || 150;
/** A fixed seed in `npm test` so a failure reproduces; `npm run fuzz` explores new ones. */
export const SEED = process.env['FUZZ_RUNS'] ? undefined : 20240514;
export const fcOptions = SEED === undefined ? { numRuns: RUNS } : { numRuns: RUNS, seed: SEED };
