#!/usr/bin/env node
// The CLI entry: the compiled bot/cli (built by `npm ci` through the prepare script).
import { main } from '../dist/bot/cli/main.js';

await main(process.argv);
