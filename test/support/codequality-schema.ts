// GitLab's Code Quality report format as a JSON Schema, written from GitLab's documentation
// (https://docs.gitlab.com/ci/testing/code_quality/#code-quality-report-format): "an array of
// objects" with the properties below, all required by GitLab (`location.lines.begin` or
// `location.positions.begin.line`; patchsentry writes the former); severity one of info, minor,
// major, critical, blocker. GitLab also says the file must be UTF-8 without a byte-order mark.
import { Ajv } from 'ajv';

export const CODE_QUALITY_SCHEMA = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  title: 'GitLab Code Quality report',
  type: 'array',
  items: {
    type: 'object',
    required: ['description', 'check_name', 'fingerprint', 'severity', 'location'],
    properties: {
      description: { type: 'string', minLength: 1 },
      check_name: { type: 'string', minLength: 1 },
      fingerprint: { type: 'string', minLength: 1 },
      severity: { enum: ['info', 'minor', 'major', 'critical', 'blocker'] },
      location: {
        type: 'object',
        required: ['path', 'lines'],
        properties: {
          path: { type: 'string', minLength: 1, not: { pattern: '^(?:/|\\./)' } },
          lines: { type: 'object', required: ['begin'], properties: { begin: { type: 'integer', minimum: 1 }, end: { type: 'integer', minimum: 1 } } },
        },
      },
    },
  },
} as const;

/** A validator for the schema; `errors` says what failed. */
export function codeQualityValidator(): { validate: (data: unknown) => boolean; errors: () => string } {
  const ajv = new Ajv({ allErrors: true, strict: true });
  const check = ajv.compile(CODE_QUALITY_SCHEMA);
  return { validate: (data) => check(data), errors: () => ajv.errorsText(check.errors) };
}

/** The bytes of a report as GitLab reads them: UTF-8, no BOM, one JSON document. */
export function parseCodeQuality(bytes: Buffer): unknown {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) throw new Error('the report starts with a UTF-8 byte-order mark');
  return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
}
