import { randomUUID } from 'node:crypto';

/**
 * Step outputs in the `GITHUB_OUTPUT` file format: `name<<DELIMITER`, the value, the
 * delimiter, with a random delimiter that cannot occur in the value (actions/toolkit
 * core.setOutput, file-command.ts prepareKeyValueMessage).
 */
export function formatOutputs(outputs: Readonly<Record<string, string>>, delimiter = `ghadelimiter_${randomUUID()}`): string {
  return Object.entries(outputs)
    .map(([name, value]) => {
      if (name.includes(delimiter) || value.includes(delimiter)) throw new Error(`output ${name} contains the delimiter`);
      return `${name}<<${delimiter}\n${value}\n${delimiter}\n`;
    })
    .join('');
}
