#!/usr/bin/env node
// Checks that the fast path and the streamed report change no result (docs/performance.md):
// for each input, the report of the old way (every diff modelled, report built in memory and
// rendered at the end) must equal, byte for byte, the streamed report with the fast path on.
//
//   node bench/compare.mjs <mbox>...        (after `npx tsc -p tsconfig.build.json`)
//
// Exit 0 when every input agrees in json and text, 1 otherwise.
import { Writable } from 'node:stream';
import { runCheck, streamCheck } from '../dist/bot/cli/check.js';
import { DEFAULT_PACK, packNamed } from '../dist/bot/packs.js';
import { defaultConfig } from '../dist/src/engine/config.js';

const pack = packNamed(DEFAULT_PACK);

const inputs = process.argv.slice(2);
if (inputs.length === 0) {
  console.error('usage: node bench/compare.mjs <mbox>...');
  process.exit(2);
}
let failed = false;
for (const input of inputs) {
  for (const format of ['json', 'text']) {
    const base = { inputs: [input], format, failOn: 'error', pack, config: defaultConfig(pack) };
    const old = await runCheck({ ...base, fastPath: false });
    let streamed = '';
    const out = new Writable({
      write(chunk, _encoding, done) {
        streamed += chunk.toString();
        done();
      },
    });
    const exitCode = await streamCheck({ ...base, out });
    const same = streamed === old.output && exitCode === old.exitCode;
    if (!same) failed = true;
    const messages = old.report.summary.messages;
    const findings = old.report.summary.findings;
    console.log(`${same ? 'same' : 'DIFFERENT'}  ${format.padEnd(4)}  ${input}  (${messages} messages, ${findings} findings, exit ${old.exitCode}/${exitCode}, ${old.output.length} bytes)`);
  }
}
process.exit(failed ? 1 : 0);
