import { defineConfig } from 'vitest/config';

/**
 * Two projects. `unit`: the core, the rules and in-process code (`npm run test:unit`, quick).
 * `integration`: everything else, i.e. tests that run processes (the built CLI, the Action
 * bundle) or servers on loopback (SMTP, Dovecot, a fake GitHub, the App); dist/ is built once
 * before them (test/support/build.ts). A new test file is integration unless listed here.
 * `npm test` runs both.
 */
const UNIT = [
  'test/diff/**/*.test.ts',
  'test/engine/**/*.test.ts',
  'test/fuzz/**/*.test.ts',
  'test/ingest/**/*.test.ts',
  'test/report/**/*.test.ts',
  'test/rules/**/*.test.ts',
  'test/docs/**/*.test.ts',
  'test/golden.test.ts',
  'test/scale/fastpath.test.ts',
  'test/scale/stream.test.ts',
  'test/bot/action/env.test.ts',
  'test/bot/cli/malformed.test.ts',
  'test/bot/mail/bot.test.ts',
  'test/bot/mail/resend.test.ts',
  'test/bot/mail/waivers.test.ts',
  'test/bot/mail/secrets.test.ts',
  'test/bot/mail/state.test.ts',
  'test/bot/server/queue.test.ts',
  'test/bot/workers/**/*.test.ts',
];

export default defineConfig({
  test: {
    // Generous: a test waits for events, not for time, and must pass on a busy machine. A limit
    // only ends a test that would otherwise hang.
    testTimeout: 120_000,
    hookTimeout: 240_000,
    pool: 'forks',
    projects: [
      { extends: true, test: { name: 'unit', include: UNIT } },
      {
        extends: true,
        test: { name: 'integration', include: ['test/**/*.test.ts'], exclude: UNIT, globalSetup: ['test/support/build.ts'] },
      },
    ],
  },
});
